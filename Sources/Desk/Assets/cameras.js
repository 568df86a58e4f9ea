// Cameras: state of every stream, refreshed every 5 s. Rows are updated in place and a thumbnail is
// swapped only once its new picture has loaded, so the table does not flicker.
(function () {
  'use strict';

  const REFRESH_MS = 5000;
  const { el, badge, fmtTime } = Desk;
  const $ = (id) => document.getElementById(id);

  function age(iso) {
    if (!iso) return '';
    const seconds = Math.round((Date.now() - new Date(iso)) / 1000);
    return isNaN(seconds) || seconds < 0 ? '' : ` (${Desk.fmtDuration(seconds)} ago)`;
  }

  function refreshThumb(cell, camera) {
    let img = cell.querySelector('img.thumb');
    if (!camera.thumbnail_url) {
      if (img) img.remove();
      cell.textContent = cell.textContent || 'no picture';
      return;
    }
    // A new query string per refresh: the URL stays the same while the picture behind it changes.
    const url = camera.thumbnail_url + (camera.thumbnail_url.includes('?') ? '&' : '?') + 't=' + Date.now();
    if (!img) {
      cell.textContent = '';
      img = el('img', { class: 'thumb', alt: 'latest picture from ' + camera.id });
      cell.append(img);
      img.src = url;
      return;
    }
    const next = new Image();
    next.onload = () => { img.src = url; };
    next.src = url;
  }

  function fillRow(row, camera) {
    const cells = row.children;
    refreshThumb(cells[0], camera);
    cells[1].textContent = camera.id;
    cells[2].textContent = camera.group || '';
    cells[3].textContent = camera.role || '';
    cells[4].textContent = camera.yard || '';
    cells[5].replaceChildren(badge(camera.state || 'unknown', 'state-' + (camera.state || 'unknown')));
    cells[6].textContent = typeof camera.fps === 'number' ? camera.fps.toFixed(1) : '—';
    cells[7].textContent = fmtTime(camera.last_frame) + age(camera.last_frame);
    cells[8].textContent = camera.reconnects ?? '—';
    cells[9].textContent = fmtTime(camera.last_event);
  }

  function newRow(camera) {
    return el('tr', { class: 'camera-row', dataset: { camera: camera.id } },
      el('td', {}), el('td', { class: 'camera' }), el('td', {}), el('td', {}), el('td', {}), el('td', {}),
      el('td', { class: 'num' }), el('td', { class: 'time' }), el('td', { class: 'num' }), el('td', { class: 'time' }));
  }

  function show(cameras) {
    const body = $('cameras');
    const existing = new Map([...body.querySelectorAll('tr.camera-row')].map((r) => [r.dataset.camera, r]));
    const rows = cameras.map((camera) => {
      const row = existing.get(camera.id) || newRow(camera);
      fillRow(row, camera);
      return row;
    });
    body.replaceChildren(...rows);
    if (!rows.length) body.append(el('tr', {}, el('td', { colspan: 10, class: 'empty', text: 'No cameras are configured.' })));
  }

  async function refresh() {
    if (document.hidden) return; // nobody is looking; visibilitychange catches up
    try {
      show((await Desk.api('GET', '/api/cameras')) || []);
      Desk.clearError($('cameras-error'));
      $('cameras-updated').textContent = 'updated ' + fmtTime(new Date().toISOString());
    } catch (err) {
      Desk.showError($('cameras-error'), err);
    }
  }

  function init() {
    refresh();
    setInterval(refresh, REFRESH_MS);
    document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
  }

  Desk.ready.then(init);
})();
