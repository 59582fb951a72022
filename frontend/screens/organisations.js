// Admin: the organisations that run contests. The list (with how many
// organisers and contests each holds), a form to add one (its address
// suggested from the name), and an editor for one: its texts and its logo.
import * as api from '../api.js';
import { h, mount, field, showFieldErrors, clearErrors, say, busy } from '../dom.js';
import { t, num, errorText } from '../i18n.js';
import { staffOnly, adminNav } from './staff.js';
import { byName } from './contests.js';

/**
 * The address suggested for a name, as the server accepts it: lower case, tone
 * marks removed, đ → d, anything else between words a single dash.
 * "Đoàn Thanh niên tỉnh Đồng Tháp" → "doan-thanh-nien-tinh-dong-thap".
 */
export function slugify(name) {
  return name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '').slice(0, 60).replace(/-+$/, '');
}

const value = (form, name) => form.elements[name].value.trim();

/** A refused write: each field's message at its control, the rest in `slot`; what was typed stays. */
function refused(form, slot, err) {
  if (!err.fields) return say(slot, 'error', errorText(err));
  const orphans = showFieldErrors(form, err.fields);
  say(slot, 'error', t('check_fields'), orphans.map((m) => [' ', m]));
}

export default async function organisations(ctx) {
  if (!await staffOnly(ctx, true)) return;
  ctx.setTitle(t('orgs_title'));
  let list = (await api.adminOrganisations()).organisations.sort(byName);
  const table = h('div');
  const editor = h('div');

  async function reload() {
    try { list = (await api.adminOrganisations()).organisations.sort(byName); } catch { /* the last list stays */ }
    renderList();
  }

  function renderList() {
    const cols = [['o_logo'], ['o_name'], ['o_slug'], ['o_organisers', 'num'], ['o_contests', 'num'], ['o_actions']];
    mount(table, list.length
      ? h('div', { class: 'scroll' }, h('table', { class: 'orgs' },
          h('caption', { class: 'sr-only' }, t('orgs_table')),
          h('thead', {}, h('tr', {}, cols.map(([k, cls]) => h('th', { scope: 'col', class: cls }, t(k))))),
          h('tbody', {}, list.map((o) => h('tr', {},
            h('td', {}, o.logo_url
              ? h('img', { class: 'logo', src: o.logo_url, alt: o.name, width: 40, height: 40 })
              : h('span', { class: 'muted' }, t('o_no_logo'))),
            h('th', { scope: 'row' }, o.name),
            h('td', {}, h('a', { href: `/o/${o.slug}` }, `/o/${o.slug}`)),
            h('td', { class: 'num' }, num(o.organisers)),
            h('td', { class: 'num' }, num(o.contests)),
            h('td', {}, h('button', {
              type: 'button', class: 'small secondary', 'aria-label': t('o_edit_who', { name: o.name }), onclick: () => edit(o),
            }, t('o_edit'))))))))
      : h('p', {}, t('o_none')));
  }

  // Adding one: the address follows the name until the admin types one of their own.
  const createMsg = h('div');
  const createButton = h('button', { type: 'submit' }, t('o_create'));
  const create = h('form', { novalidate: true, class: 'orgform' },
    field({ label: t('o_name'), name: 'name', maxlength: 200, autocomplete: 'off' }),
    field({ label: t('o_slug'), name: 'slug', hint: t('o_slug_hint'), maxlength: 60, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' }),
    field({ label: t('o_hotline'), name: 'hotline', hint: t('o_hotline_hint'), optional: true, maxlength: 40, type: 'tel', autocomplete: 'off' }),
    field({ label: t('o_intro'), name: 'intro', tag: 'textarea', hint: t('o_intro_hint'), optional: true, maxlength: 5000 }),
    h('div', { class: 'actions' }, createButton),
    createMsg);
  let slugTyped = false;
  create.elements.name.addEventListener('input', () => {
    if (!slugTyped) create.elements.slug.value = slugify(create.elements.name.value);
  });
  create.elements.slug.addEventListener('input', () => { slugTyped = create.elements.slug.value !== ''; });
  create.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(createButton, async () => {
      clearErrors(create);
      say(createMsg);
      const body = { name: value(create, 'name'), slug: value(create, 'slug'), hotline: value(create, 'hotline'), intro: value(create, 'intro') };
      try {
        const { organisation: o } = await api.createOrganisation(body);
        create.reset();
        slugTyped = false;
        await reload();
        say(createMsg, 'ok', t('o_created', { name: o.name }));
      } catch (err) {
        refused(create, createMsg, err);
      }
    });
  });

  // Editing one: its texts, then its logo (sent as the image file itself).
  function edit(o) {
    const headingId = `org-edit-${o.id}`;
    const heading = h('h2', { id: headingId, tabindex: -1 }, t('o_edit_title', { name: o.name }));
    const msg = h('div');
    const saveButton = h('button', { type: 'submit' }, t('o_save'));
    const form = h('form', { novalidate: true, class: 'orgform' },
      field({ label: t('o_name'), name: 'name', value: o.name, maxlength: 200, autocomplete: 'off' }),
      field({ label: t('o_slug'), name: 'slug', value: o.slug, hint: t('o_slug_edit_hint'), maxlength: 60, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' }),
      field({ label: t('o_hotline'), name: 'hotline', value: o.hotline, hint: t('o_hotline_hint'), optional: true, maxlength: 40, type: 'tel', autocomplete: 'off' }),
      field({ label: t('o_intro'), name: 'intro', tag: 'textarea', value: o.intro, hint: t('o_intro_hint'), optional: true, maxlength: 5000 }),
      h('div', { class: 'actions' }, saveButton,
        h('button', { type: 'button', class: 'secondary', onclick: () => { mount(editor); table.querySelector('button')?.focus(); } }, t('o_close'))),
      msg);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(saveButton, async () => {
        clearErrors(form);
        say(msg);
        // Only what changed: an unchanged address is not checked again.
        const patch = {};
        for (const k of ['name', 'slug', 'hotline', 'intro']) if (value(form, k) !== o[k]) patch[k] = value(form, k);
        try {
          if (Object.keys(patch).length) o = { ...o, ...(await api.editOrganisation(o.id, patch)).organisation };
          heading.textContent = t('o_edit_title', { name: o.name });
          await reload();
          say(msg, 'ok', t('o_saved', { name: o.name }));
        } catch (err) {
          refused(form, msg, err);
        }
      });
    });

    const current = h('div');
    const showCurrent = () => mount(current, o.logo_url
      ? h('img', { class: 'logo', src: o.logo_url, alt: o.name, width: 96, height: 96 })
      : h('p', { class: 'muted' }, t('o_no_logo')));
    showCurrent();
    const preview = h('div', { class: 'preview' });
    const logoMsg = h('div');
    const uploadButton = h('button', { type: 'submit' }, t('o_logo_upload'));
    const logoForm = h('form', { novalidate: true, class: 'orgform' },
      field({ label: t('o_logo_file'), name: 'logo', type: 'file', accept: 'image/png,image/jpeg,image/webp', hint: t('o_logo_hint') }),
      preview,
      h('div', { class: 'actions' }, uploadButton),
      logoMsg);
    const input = logoForm.elements.logo;
    // The preview is a data: URL (the page's policy allows images from data:, not blob:).
    input.addEventListener('change', () => {
      clearErrors(logoForm);
      say(logoMsg);
      mount(preview);
      const file = input.files[0];
      if (!file) return;
      const reader = new FileReader();
      reader.onload = () => {
        if (input.files[0] !== file) return; // another file was chosen meanwhile
        mount(preview, h('figure', {},
          h('img', { class: 'logo', src: reader.result, alt: t('o_logo_preview'), width: 96, height: 96 }),
          h('figcaption', { class: 'muted' }, t('o_logo_preview'), `: ${file.name} (${num(Math.ceil(file.size / 1024))} KB)`)));
      };
      reader.readAsDataURL(file);
    });
    logoForm.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(uploadButton, async () => {
        clearErrors(logoForm);
        say(logoMsg);
        const file = input.files[0];
        if (!file) return refused(logoForm, logoMsg, { fields: { logo: { code: 'required', message: '' } } });
        try {
          o = { ...o, ...(await api.setOrganisationLogo(o.id, file)).organisation };
          showCurrent();
          input.value = '';
          mount(preview);
          await reload();
          say(logoMsg, 'ok', t('o_logo_ok', { name: o.name }));
        } catch (err) {
          // A type the server does not take at all (415): its own words, at the field.
          refused(logoForm, logoMsg, err.status === 415 ? { fields: { logo: { code: err.code, message: err.message } } } : err);
        }
      });
    });

    mount(editor, h('section', { class: 'group', 'aria-labelledby': headingId },
      heading, form,
      h('h3', {}, t('o_logo_title')), current, logoForm));
    heading.focus();
  }

  renderList();
  mount(ctx.main,
    h('h1', { tabindex: -1 }, t('orgs_title')),
    adminNav('orgs_title'),
    table,
    editor,
    h('section', { 'aria-labelledby': 'org-create' }, h('h2', { id: 'org-create' }, t('o_create_title')), create));
}
