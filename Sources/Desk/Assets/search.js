// Search page. The form's state lives in the URL query (same names as the API), so reload, back and a
// pasted link all show the same search.
(function () {
  'use strict';

  const PER_PAGE = 25;
  const FIELDS = ['plate', 'match', 'camera', 'role', 'from', 'to'];
  const { el, plateBox, badge, fmtTime, fmtPercent } = Desk;
  const $ = (id) => document.getElementById(id);
  const input = { plate: 'q', match: 'match', camera: 'camera', role: 'role', from: 'from', to: 'to' };

  let page = 1;

  function ensureOption(select, value) {
    if (value && ![...select.options].some((o) => o.value === value)) select.append(el('option', { value, text: value }));
  }

  function formFromURL() {
    const query = new URLSearchParams(location.search);
    $('q').value = query.get('plate') || '';
    $('match').value = ['exact', 'prefix', 'near'].includes(query.get('match')) ? query.get('match') : 'exact';
    ensureOption($('camera'), query.get('camera'));
    $('camera').value = query.get('camera') || '';
    $('role').value = query.get('role') || '';
    $('from').value = Desk.isoToLocalInput(query.get('from'));
    $('to').value = Desk.isoToLocalInput(query.get('to'));
    page = Math.max(1, parseInt(query.get('page'), 10) || 1);
  }

  // The URL keeps the local times as typed; the API gets them in UTC.
  function urlQuery() {
    const query = new URLSearchParams();
    for (const name of FIELDS) {
      let value = $(input[name]).value.trim();
      if (name === 'plate') value = Desk.normalizePlate(value);
      if (name === 'match' && !$('q').value.trim()) continue;
      if (value || name === 'plate') query.set(name, value);
    }
    if (page > 1) query.set('page', String(page));
    return query;
  }

  function apiQuery() {
    const query = new URLSearchParams();
    for (const [name, value] of urlQuery()) {
      if (!value || name === 'page') continue;
      query.set(name, name === 'from' || name === 'to' ? Desk.localInputToISO(value) : value);
    }
    query.set('page', String(page));
    query.set('per_page', String(PER_PAGE));
    return query;
  }

  function resultRow(p) {
    return el('tr', { class: p.watch ? 'result watched' : 'result', dataset: { id: p.id, passage: p.passage_id } },
      el('td', {}, p.crop_url ? el('img', { class: 'crop', src: p.crop_url, alt: 'plate ' + p.display, loading: 'lazy' }) : null),
      el('td', {}, el('a', { class: 'vehicle-link', href: '/vehicle?plate=' + encodeURIComponent(p.plate), title: 'All passages of this vehicle' },
        plateBox(p.display || p.plate))),
      el('td', { class: 'time', text: fmtTime(p.time) }),
      el('td', { class: 'camera', text: p.camera }),
      el('td', { text: p.role || '' }),
      el('td', { class: 'num', text: fmtPercent(p.confidence) }),
      el('td', {},
        p.corrected ? badge('corrected', 'corrected') : null, ' ',
        p.watch ? badge('WATCH: ' + (p.watch.reason || 'listed'), 'watch') : null),
      el('td', {}, el('a', { class: 'details', href: '/event?id=' + encodeURIComponent(p.passage_id), text: 'details' })));
  }

  function showPage(answer) {
    const items = (answer && answer.items) || [];
    const total = (answer && answer.total) || 0;
    const pages = Math.max(1, Math.ceil(total / ((answer && answer.per_page) || PER_PAGE)));
    $('results').replaceChildren(...items.map(resultRow));
    if (!items.length) {
      $('results').append(el('tr', {}, el('td', { colspan: 8, class: 'empty', text: 'No passages match this search.' })));
    }
    $('page-info').textContent = `page ${page} of ${pages} (${total} passage${total === 1 ? '' : 's'})`;
    $('prev').disabled = page <= 1;
    $('next').disabled = page >= pages;
  }

  async function run() {
    const error = $('search-error');
    $('search').disabled = true;
    try {
      showPage(await Desk.api('GET', '/api/passages?' + apiQuery()));
      Desk.clearError(error);
    } catch (err) {
      Desk.showError(error, err);
    } finally {
      $('search').disabled = false;
    }
  }

  function go(newPage) {
    page = newPage;
    history.pushState(null, '', '/search?' + urlQuery());
    run();
  }

  async function loadCameras() {
    try {
      const cameras = await Desk.api('GET', '/api/cameras');
      const select = $('camera');
      const chosen = select.value;
      for (const camera of cameras || []) ensureOption(select, camera.id);
      select.value = chosen;
    } catch (err) {
      console.error('desk: camera list unavailable', err);
    }
  }

  function init() {
    formFromURL();
    $('search-form').addEventListener('submit', (event) => {
      event.preventDefault();
      $('q').value = Desk.normalizePlate($('q').value);
      go(1);
    });
    $('clear').addEventListener('click', () => {
      $('search-form').reset();
      $('q').focus();
    });
    $('prev').addEventListener('click', () => go(Math.max(1, page - 1)));
    $('next').addEventListener('click', () => go(page + 1));
    window.addEventListener('popstate', () => { formFromURL(); if (location.search) run(); });
    loadCameras();
    if (location.search.length > 1) run(); else $('q').focus();
  }

  Desk.ready.then(init);
})();
