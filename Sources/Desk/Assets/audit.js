// Audit log: who did what, newest first, 50 entries a page. The page number is kept in the URL.
(function () {
  'use strict';

  const PER_PAGE = 50;
  const { el, fmtTime } = Desk;
  const $ = (id) => document.getElementById(id);

  let page = Math.max(1, parseInt(new URLSearchParams(location.search).get('page'), 10) || 1);

  function detailText(detail) {
    if (detail === null || detail === undefined) return '';
    return typeof detail === 'string' ? detail : JSON.stringify(detail);
  }

  function auditRow(entry) {
    return el('tr', { class: 'audit-row', dataset: { id: entry.id } },
      el('td', { class: 'time', text: fmtTime(entry.time) }),
      el('td', { class: 'user', text: entry.user || '' }),
      el('td', { class: 'action', text: entry.action || '' }),
      el('td', { class: 'subject', text: entry.subject || '' }),
      el('td', { class: 'detail', text: detailText(entry.detail) }));
  }

  async function load() {
    try {
      const answer = await Desk.api('GET', `/api/audit?page=${page}&per_page=${PER_PAGE}`);
      const items = (answer && answer.items) || [];
      const total = (answer && answer.total) || 0;
      const pages = Math.max(1, Math.ceil(total / ((answer && answer.per_page) || PER_PAGE)));
      $('audit').replaceChildren(...items.map(auditRow));
      if (!items.length) $('audit').append(el('tr', {}, el('td', { colspan: 5, class: 'empty', text: 'No entries on this page.' })));
      $('page-info').textContent = `page ${page} of ${pages} (${total} entr${total === 1 ? 'y' : 'ies'})`;
      $('prev').disabled = page <= 1;
      $('next').disabled = page >= pages;
      Desk.clearError($('audit-error'));
    } catch (err) {
      Desk.showError($('audit-error'), err);
    }
  }

  function go(newPage) {
    page = newPage;
    history.pushState(null, '', page > 1 ? `/audit?page=${page}` : '/audit');
    load();
  }

  function init() {
    $('prev').addEventListener('click', () => go(Math.max(1, page - 1)));
    $('next').addEventListener('click', () => go(page + 1));
    window.addEventListener('popstate', () => {
      page = Math.max(1, parseInt(new URLSearchParams(location.search).get('page'), 10) || 1);
      load();
    });
    load();
  }

  Desk.ready.then(init);
})();
