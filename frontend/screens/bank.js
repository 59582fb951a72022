// The question bank: import CSV or Aiken (all or nothing, bad rows listed so
// they can be fixed right here), look through the bank, then publish.
import * as api from '../api.js';
import { h, mount, field, say, busy, notice, showFieldErrors, clearErrors } from '../dom.js';
import { t, num, errorText, serverText } from '../i18n.js';
import { staffOnly, tabs } from './staff.js';

const SHOWN = 200; // questions listed; a bank may hold 20,000

export default async function bank(ctx) {
  if (!await staffOnly(ctx)) return;
  const id = ctx.params[0];
  const [{ contest: c }, { questions }] = await Promise.all([api.adminContest(id), api.questions(id)]);
  ctx.setTitle(`${t('bank_title')} — ${c.title}`);
  const draft = c.status === 'draft';
  const msg = h('div');
  const rowsBox = h('div');
  const countLine = h('p', {}, t('bank_count', { n: num(questions.length), m: num(c.questions_per_attempt) }));
  const list = h('div');

  const frozen = c.status === 'finalized';
  const correctOf = (q) => (q.correct ?? q.options.findIndex((o) => o.id === q.correct_option_id));

  async function reload(note) {
    const fresh = await api.questions(id);
    countLine.textContent = t('bank_count', { n: num(fresh.questions.length), m: num(c.questions_per_attempt) });
    drawList(fresh.questions);
    if (note) say(msg, 'ok', note);
  }

  function view(q, i, li) {
    const right = correctOf(q);
    const edit = frozen ? null : h('button', { type: 'button', class: 'secondary', 'aria-label': t('q_edit_label', { n: i + 1 }),
      onclick: () => editForm(q, i, li) }, t('q_edit'));
    const del = draft ? h('button', { type: 'button', class: 'secondary', 'aria-label': t('q_delete_label', { n: i + 1 }),
      onclick: () => mount(li, view(q, i, li), h('div', { class: 'notice warn' }, h('p', {}, t('q_delete_confirm')),
        h('div', { class: 'actions' }, (() => {
          const go = h('button', { type: 'button', class: 'danger', onclick: () => busy(go, async () => {
            try { await api.deleteQuestion(id, q.id); await reload(t('q_deleted')); } catch (err) { say(msg, 'error', errorText(err)); }
          }) }, t('q_delete_go'));
          return go;
        })(), h('button', { type: 'button', class: 'secondary', onclick: () => mount(li, view(q, i, li)) }, t('cancel'))))) }, t('q_delete')) : null;
    return [
      h('p', {}, q.text, q.category ? h('span', { class: 'muted' }, ` [${q.category}]`) : null),
      h('ul', {}, q.options.map((o, k) => h('li', {}, k === right ? [h('b', {}, o.text), ` ${t('correct_mark')}`] : o.text))),
      edit || del ? h('div', { class: 'actions q-actions' }, edit, del) : null,
    ];
  }

  function editForm(q, i, li) {
    const locked = !draft;
    const opts = q.options.map((o) => o.text);
    let right = correctOf(q);
    const optBox = h('div');
    const group = `q-${q.id}-correct`;
    function drawOptions() {
      mount(optBox, opts.map((text, k) => h('div', { class: 'q-option' },
        field({ label: t('q_option', { n: k + 1 }), name: `options[${k}]`, value: text, oninput: (e) => { opts[k] = e.target.value; } }),
        h('label', { class: 'check' }, h('input', { type: 'radio', name: group, value: k, checked: k === right, disabled: locked,
          onchange: () => { right = k; } }), t('q_correct_n', { n: k + 1 })))));
    }
    drawOptions();
    const save = h('button', { type: 'submit' }, t('q_save'));
    const form = h('form', { novalidate: true, class: 'q-edit' },
      locked ? h('p', { class: 'notice info', id: `q-${q.id}-note` }, t('q_locked_note')) : null,
      field({ label: t('q_text'), name: 'text', tag: 'textarea', rows: 3, value: q.text }),
      h('fieldset', { class: 'group', 'data-field': 'options' }, h('legend', {}, t('q_options')),
        h('p', { class: 'err', hidden: true }), optBox,
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'secondary', disabled: locked, onclick: () => { opts.push(''); drawOptions(); } }, t('q_add_option')),
          h('button', { type: 'button', class: 'secondary', disabled: locked, onclick: () => { if (opts.length > 2) { opts.pop(); if (right >= opts.length) right = 0; drawOptions(); } } }, t('q_remove_option')))),
      h('div', { 'data-field': 'correct' }, h('p', { class: 'err', hidden: true })),
      field({ label: t('q_category'), name: 'category', value: q.category || '', disabled: locked, optional: true }),
      h('div', { class: 'actions' }, save,
        h('button', { type: 'button', class: 'secondary', onclick: () => mount(li, view(q, i, li)) }, t('cancel'))),
      h('div', { class: 'q-msg' }));
    const qmsg = form.querySelector('.q-msg');
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearErrors(form);
      say(qmsg);
      const body = { text: form.elements.text.value.trim(), options: opts.map((x) => x.trim()), correct: right,
        category: form.elements.category.value.trim() || null };
      busy(save, async () => {
        try {
          await api.editQuestion(id, q.id, body);
          await reload(t('q_saved'));
        } catch (err) {
          if (err.fields) {
            const fields = err.code === 'question_locked'
              ? Object.fromEntries(Object.keys(err.fields).map((k) => [k, { code: err.code, message: t('e.question_locked') }]))
              : err.fields;
            const orphans = showFieldErrors(form, fields);
            say(qmsg, 'error', orphans.length ? orphans.join(' ') : t('check_fields'));
          } else {
            say(qmsg, 'error', errorText(err));
          }
        }
      });
    });
    mount(li, form);
    form.elements.text.focus();
  }

  function drawList(qs) {
    mount(list, h('h2', {}, t('questions_list', { n: num(qs.length) })),
      h('ol', { class: 'bank' }, qs.slice(0, SHOWN).map((q, i) => {
        const li = h('li', { 'data-question': q.id });
        return mount(li, view(q, i, li));
      })),
      qs.length > SHOWN ? h('p', { class: 'muted' }, t('more_questions', { n: num(qs.length - SHOWN) })) : null);
  }
  drawList(questions);

  let importForm = null;
  if (draft) {
    const hint = h('p', { class: 'hint', id: 'import-hint' }, t('import_hint_csv'));
    const text = h('textarea', { id: 'import-text', name: 'text', rows: 10, spellcheck: 'false', 'aria-describedby': 'import-hint' });
    const fmt = (value, label) => h('label', { class: 'check' },
      h('input', { type: 'radio', name: 'format', value, checked: value === 'csv', onchange: () => { hint.textContent = t(`import_hint_${value}`); } }), label);
    let upload = null; // { bytes, shown }: the chosen file, and its text as the box showed it
    const file = h('input', { type: 'file', id: 'import-file', accept: '.csv,.txt,text/csv,text/plain' });
    // The file's text goes into the box, so bad rows can be fixed here and imported again.
    // While the box is unchanged the file's own bytes are sent, so that the server
    // reads their encoding (Excel's plain "CSV" is Windows-1258, not UTF-8).
    file.addEventListener('change', async () => {
      const f = file.files[0];
      if (!f) return;
      const bytes = new Uint8Array(await f.arrayBuffer());
      text.value = readText(bytes);
      upload = { bytes, shown: text.value };
      if (/\.txt$/i.test(f.name)) { importForm.elements.format.value = 'aiken'; hint.textContent = t('import_hint_aiken'); }
    });
    const button = h('button', { type: 'submit' }, t('import_go'));
    importForm = h('form', { novalidate: true },
      // A ready-made file with the columns in Vietnamese: the easiest start for an organiser with Excel.
      h('p', { class: 'template' }, h('a', { href: '/api/v1/question-template.csv', download: '' }, t('template_link')),
        h('br'), h('span', { class: 'hint' }, t('template_hint'))),
      h('fieldset', {}, h('legend', {}, t('import_format')), fmt('csv', t('f_csv')), fmt('aiken', t('f_aiken'))),
      h('div', { class: 'field' }, h('label', { for: 'import-file' }, t('import_file')), file),
      h('div', { class: 'field' }, h('label', { for: 'import-text' }, t('import_text')), hint, text),
      button);
    importForm.addEventListener('submit', (e) => {
      e.preventDefault();
      mount(rowsBox);
      if (!text.value.trim()) return say(msg, 'error', t('import_empty'));
      busy(button, async () => {
        try {
          const body = upload && text.value === upload.shown ? upload.bytes : text.value;
          const r = await api.importQuestions(id, body, importForm.elements.format.value === 'aiken');
          const read = r.encoding === 'windows-1258' ? ` ${t('import_read_1258')}` : '';
          say(msg, 'ok', t('import_ok', { n: num(r.added), total: num(r.question_count) }) + read);
          upload = null;
          text.value = '';
          file.value = '';
          await reload();
        } catch (err) {
          const rows = err.code === 'import_failed' ? err.details?.rows || [] : [];
          if (!rows.length) return say(msg, 'error', errorText(err));
          say(msg, 'error', t('import_bad', { n: num(rows.length) }));
          mount(rowsBox, h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': t('reason') },
            h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('row')), h('th', { scope: 'col' }, t('column')), h('th', { scope: 'col' }, t('reason')))),
              h('tbody', {}, rows.map((r) => h('tr', {}, h('td', {}, r.row), h('td', {}, r.column || '—'), h('td', {}, serverText(r.reason))))))));
        }
      });
    });
  }

  // Publishing is final for the bank, so it takes a second, explicit tap.
  const pubBox = h('div');
  function drawPublish(problem) {
    const go = h('button', { type: 'button', onclick: () => mount(pubBox,
      h('p', { class: 'notice warn' }, t('publish_hint')),
      h('div', { class: 'actions' }, confirm, h('button', { type: 'button', class: 'secondary', onclick: () => drawPublish() }, t('cancel')))) }, t('publish'));
    const confirm = h('button', { type: 'button', onclick: () => busy(confirm, async () => {
      try {
        await api.publish(id);
        ctx.navigate(`/manage/${id}/questions?published=1`, { replace: true });
      } catch (err) {
        drawPublish(err.code === 'bank_too_small' ? serverText(err.message) : errorText(err));
      }
    }) }, t('publish_confirm'));
    mount(pubBox, problem ? notice('error', problem) : null, go);
  }
  if (draft) drawPublish();

  mount(ctx.main,
    h('h1', { tabindex: -1 }, `${t('bank_title')} — ${c.title}`),
    tabs(id, 'questions'),
    ctx.query.get('created') ? notice('ok', t('created_ok')) : null,
    ctx.query.get('published') ? notice('ok', t('published_ok'), ' ', h('a', { href: `/contests/${id}` }, t('tab_public'))) : null,
    countLine,
    draft ? [h('h2', {}, t('import_title')), importForm, msg, rowsBox, h('h2', {}, t('publish_title')), pubBox]
      : [notice('info', t(frozen ? 'bank_frozen' : 'bank_published')), msg],
    list);
}

/** A file's text as the server reads it: UTF-8, else Windows-1258 composed to NFC. */
function readText(bytes) {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1258').decode(bytes).normalize('NFC');
  }
}
