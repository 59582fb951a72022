// The question bank: import CSV or Aiken (all or nothing, bad rows listed so
// they can be fixed right here), look through the bank, then publish.
import * as api from '../api.js';
import { h, mount, field, say, busy, notice } from '../dom.js';
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

  function drawList(qs) {
    mount(list, h('h2', {}, t('questions_list', { n: num(qs.length) })),
      h('ol', {}, qs.slice(0, SHOWN).map((q) => h('li', {},
        h('p', {}, q.text, q.category ? h('span', { class: 'muted' }, ` [${q.category}]`) : null),
        h('ul', {}, q.options.map((o, i) => h('li', {}, i === q.correct ? [h('b', {}, o.text), ` ${t('correct_mark')}`] : o.text)))))),
      qs.length > SHOWN ? h('p', {}, t('more_questions', { n: num(qs.length - SHOWN) })) : null);
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
          const fresh = await api.questions(id);
          countLine.textContent = t('bank_count', { n: num(fresh.questions.length), m: num(c.questions_per_attempt) });
          drawList(fresh.questions);
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
      : [notice('info', t('bank_frozen')), msg],
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
