// The address of a registration: a province from the official list, then its
// commune found by typing, then the hamlet as text. The server stores the
// codes, so every prize list spells a place the same way.
import * as api from './api.js';
import { h, mount, field } from './dom.js';
import { t } from './i18n.js';

// Matches listed at once: each is a 48 px button, so eight fit above a phone's
// keyboard; the rest are one tap away ("Xem tất cả").
const SHOWN = 8;

/** "Xã Mỹ Thọ" → "xa my tho": people type names without tone marks, in any case. */
export function fold(s) {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase().replace(/\s+/g, ' ').trim();
}

const loaded = new Map(); // province code → its communes, for going back and forth between provinces

/**
 * The address fieldset. `value()` gives `{province_code, commune_code}`; a 422
 * lands at `address.province_code`, `address.commune_code` or `address.hamlet`.
 * `known`: what is already known of the address (from the citizen app), chosen
 * for the person once the lists have loaded, so they only fill in the rest.
 */
export function addressFields(known = {}) {
  const province = field({ tag: 'select', label: t('province'), name: 'address.province_code', options: [['', t('loading')]], autocomplete: 'address-level1', disabled: true });
  const select = province.querySelector('select');
  const hamlet = field({ label: t('hamlet'), name: 'address.hamlet', autocomplete: 'address-line1', required: true, maxlength: 120, value: known.hamlet || null });

  // The commune: a text box that filters the province's communes (in the
  // server's Vietnamese order) into a short list of buttons to tap.
  const box = field({ label: t('commune'), name: 'address.commune_code', hint: t('commune_hint'), autocomplete: 'off', spellcheck: 'false', disabled: true });
  const input = box.querySelector('input');
  const status = h('p', { class: 'hint', id: `${input.id}-status`, 'aria-live': 'polite' }, t('commune_first'));
  input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby')} ${status.id}`);
  const picks = h('ul', { class: 'picks' });
  const more = h('p');
  input.after(status, picks, more);

  let communes = null; // of the chosen province, each with its folded words
  let chosen = null;
  let all = false; // "Xem tất cả" was tapped

  function choose(c, tapped = true) {
    chosen = c;
    input.value = c.name;
    draw();
    if (tapped) hamlet.querySelector('input').focus(); // the tapped button is gone: on to the next field
  }

  function matches() {
    const words = fold(input.value).split(' ').filter(Boolean);
    // Each typed word starts a word of the name: "my tho" finds "Xã Mỹ Thọ" and "Phường Mỹ Tho".
    return communes.filter((c) => words.every((w) => c.words.some((x) => x.startsWith(w))));
  }

  function draw() {
    mount(more);
    if (!communes) return mount(picks);
    if (chosen) {
      status.textContent = t('commune_chosen', { name: chosen.name });
      return mount(picks);
    }
    const found = matches();
    const shown = all ? found : found.slice(0, SHOWN);
    status.textContent = found.length ? t('commune_n', { n: found.length }) : t('commune_none');
    mount(picks, shown.map((c) => h('li', {}, h('button', { type: 'button', class: 'pick', onclick: () => choose(c) }, c.name))));
    if (shown.length < found.length) {
      mount(more, h('button', { type: 'button', class: 'link', onclick: () => { all = true; draw(); } }, t('commune_all', { n: found.length })));
    }
  }

  input.addEventListener('input', () => {
    if (chosen && input.value !== chosen.name) chosen = null; // typing again undoes the choice
    draw();
  });

  async function loadCommunes() {
    const code = select.value;
    chosen = null; communes = null; all = false;
    input.value = '';
    input.disabled = true;
    draw();
    if (!code) { status.textContent = t('commune_first'); return; }
    status.textContent = t('loading');
    try {
      if (!loaded.has(code)) {
        const { communes: list } = await api.communes(code);
        loaded.set(code, list.map((c) => ({ ...c, words: fold(c.name).split(' ') })));
      }
      if (select.value !== code) return; // another province was chosen meanwhile
      communes = loaded.get(code);
      input.disabled = false;
      const given = communes.find((c) => c.code === known.commune_code);
      known = {}; // once: a province chosen later starts empty
      if (given) choose(given, false); else draw();
    } catch {
      if (select.value !== code) return;
      status.textContent = t('places_failed');
      mount(more, h('button', { type: 'button', class: 'link', onclick: loadCommunes }, t('retry')));
    }
  }
  select.addEventListener('change', loadCommunes);

  async function loadProvinces() {
    try {
      const { provinces } = await api.provinces();
      mount(select, h('option', { value: '' }, t('choose_province')), provinces.map((p) => h('option', { value: p.code }, p.short_name)));
      select.disabled = false;
      mount(more);
      if (provinces.some((p) => p.code === known.province_code)) {
        select.value = known.province_code;
        loadCommunes();
      }
    } catch {
      status.textContent = t('places_failed');
      mount(more, h('button', { type: 'button', class: 'link', onclick: loadProvinces }, t('retry')));
    }
  }
  loadProvinces();

  return {
    el: h('fieldset', { class: 'group' }, h('legend', {}, t('address')), h('p', { class: 'hint' }, t('address_hint')), province, box, hamlet),
    value() {
      // Typed a name that leaves one match but did not tap it: that is the choice.
      if (!chosen && communes && input.value.trim()) {
        const found = matches();
        if (found.length === 1) choose(found[0], false);
      }
      return { province_code: select.value, commune_code: chosen ? chosen.code : '' };
    },
    /**
     * What is not chosen yet, as 422 fields (the server names only the first
     * address problem): a commune typed but not picked is told apart from none.
     */
    missing() {
      const out = {};
      if (!select.value) out['address.province_code'] = { code: 'required' };
      // With no province the commune box is closed, and the province's message says enough.
      if (select.value && !chosen) out['address.commune_code'] = { code: input.value.trim() ? 'unknown_commune' : 'required' };
      return out;
    },
  };
}
