// The live dashboard page: an overview stream (every PLC's excursion sparkline, anomalies,
// presence, health) and, when a PLC is picked, a detail stream of its five sensors.
// Both are server-sent events (/dashboard/events, docs/dashboard.md); EventSource reconnects
// by itself and resumes from the last event id.
import { createSensorChart, createSparkline, fitWidth, markerTime } from './charts.js';
import { h, renderHealth, renderPresence } from './panels.js';

const SENSORS = ['s1', 's2', 's3', 's4', 's5'];
const OVERVIEW_POINTS = 60;
const $ = (id) => document.getElementById(id);
const plcLabel = (plc) => `PLC ${plc}${state.names.has(plc) ? ` · ${state.names.get(plc)}` : ''}`;

const state = {
  overview: new Map(), // plc -> { t, v, lastCycle, card, chart, dirty }
  anomalies: new Map(), // plc -> Map(id -> marker)
  names: new Map(), // device id -> name
  detail: undefined, // { plc, source, series: {s1: {t, v, lo, hi}}, charts: [{el, chart}], dirty }
  points: 300,
  offsetMs: 0, // server clock - ours
  frame: 0,
  presence: undefined,
};

// ---- columnar series: append, cap, replace ----
function appendCols(target, chunk, cap) {
  for (const k of Object.keys(target)) {
    const add = chunk[k];
    if (!add) continue;
    target[k].push(...add);
    const excess = target[k].length - cap;
    if (excess > 0) target[k].splice(0, excess);
  }
}
const emptySeries = (withBand) => (withBand ? { t: [], v: [], lo: [], hi: [] } : { t: [], v: [] });

// ---- overview ----
function overviewEntry(plc) {
  let e = state.overview.get(plc);
  if (e) return e;
  const grid = $('grid');
  grid.querySelector('.empty')?.remove();
  const badge = h('span', { class: 'badge', 'data-anomalies': '0' }, '0');
  const spark = h('div', { class: 'spark' });
  const card = h('div', { class: 'card', 'data-plc': plc, role: 'button', tabindex: '0' },
    h('div', { class: 'top' }, h('span', { class: 'name' }, `PLC ${plc}`), badge),
    spark,
    h('div', { class: 'meta' }, ''),
  );
  card.addEventListener('click', () => select(plc));
  card.addEventListener('keydown', (ev) => ev.key === 'Enter' && select(plc));
  const cards = [...grid.children];
  grid.insertBefore(card, cards.find((c) => Number(c.dataset.plc) > plc) ?? null);
  const chart = createSparkline(spark, Math.max(120, spark.clientWidth || 140));
  fitWidth(spark, chart, 40);
  e = { ...emptySeries(false), lastCycle: undefined, card, badge, chart, dirty: true };
  state.overview.set(plc, e);
  const opt = h('option', { value: plc }, `PLC ${plc}`);
  const select$ = $('plc-select');
  select$.insertBefore(opt, [...select$.options].find((o) => o.value && Number(o.value) > plc) ?? null);
  return e;
}

function applyOverview(chunk) {
  const e = overviewEntry(chunk.plc);
  const dev = chunk.series.dev ?? { t: [], v: [] };
  if (chunk.replace) {
    e.t = [];
    e.v = [];
  }
  appendCols(e, { t: dev.t, v: dev.v }, OVERVIEW_POINTS);
  if (chunk.lastCycle !== undefined && chunk.lastCycle !== null) e.lastCycle = chunk.lastCycle;
  e.dirty = true;
}

// ---- detail ----
function openDetail(plc) {
  closeDetail();
  const box = $('detail-charts');
  box.replaceChildren();
  const d = { plc, series: {}, charts: [], dirty: true, source: undefined };
  for (const s of SENSORS) {
    d.series[s] = emptySeries(true);
    const el = h('div', { class: 'chart', 'data-sensor': s, 'data-points': '0', 'data-markers': '0' }, h('h3', {}, s));
    box.append(el);
    const chart = createSensorChart(el, s, Math.max(200, el.clientWidth || 300), () => markersFor(plc, d.series[s].t));
    fitWidth(el, chart, 150);
    d.charts.push({ sensor: s, el, chart });
  }
  state.detail = d;
  $('detail').hidden = false;
  $('detail-title').textContent = plcLabel(plc);
  d.source = stream(`/dashboard/events?plcs=${plc}&series=${SENSORS.join(',')}&meta=0`, {
    snapshot: (data) => {
      for (const c of data.plcs) applyDetail(c);
      addAnomalies(data.anomalies);
    },
    rows: (data) => data.plcs.forEach(applyDetail),
    anomalies: (data) => addAnomalies(data.markers),
  });
}

function closeDetail() {
  const d = state.detail;
  if (!d) return;
  d.source.close();
  for (const c of d.charts) c.chart.destroy();
  state.detail = undefined;
  $('detail').hidden = true;
}

function applyDetail(chunk) {
  const d = state.detail;
  if (!d || chunk.plc !== d.plc) return;
  for (const s of SENSORS) {
    const add = chunk.series[s];
    if (!add) continue;
    if (chunk.replace) d.series[s] = emptySeries(true);
    appendCols(d.series[s], add, state.points);
  }
  d.dirty = true;
}

// ---- anomalies ----
function addAnomalies(markers) {
  for (const m of markers ?? []) {
    const byId = state.anomalies.get(m.plc) ?? new Map();
    byId.set(m.id, m);
    state.anomalies.set(m.plc, byId);
    if (state.overview.has(m.plc)) state.overview.get(m.plc).dirty = true;
    if (state.detail?.plc === m.plc) state.detail.dirty = true;
  }
}

/** The markers of a PLC inside the time range on its chart (all of them before the first row). */
function markersFor(plc, t) {
  const all = [...(state.anomalies.get(plc)?.values() ?? [])];
  if (!t || t.length === 0) return all;
  const from = t[0];
  return all.filter((m) => markerTime(m) >= from);
}

// ---- drawing, at most once per frame ----
function render() {
  state.frame = 0;
  for (const [plc, e] of state.overview) {
    if (!e.dirty) continue;
    e.dirty = false;
    e.chart.setData([e.t.map((x) => x / 1000), e.v]);
    const n = markersFor(plc, e.t).length;
    e.badge.textContent = n > 0 ? `⚠ ${n}` : '0';
    e.badge.title = n === 1 ? '1 anomaly on the chart' : `${n} anomalies on the chart`;
    e.badge.dataset.anomalies = String(n);
    e.badge.classList.toggle('alert', n > 0);
    e.card.querySelector('.name').textContent = plcLabel(plc);
    e.card.querySelector('.meta').textContent = e.lastCycle === undefined ? '' : `cycle ${e.lastCycle} · ${e.t.length} pts`;
    e.card.dataset.points = String(e.t.length);
  }
  const d = state.detail;
  if (d?.dirty) {
    d.dirty = false;
    for (const c of d.charts) {
      const s = d.series[c.sensor];
      c.chart.setData([s.t.map((x) => x / 1000), s.v, s.lo, s.hi]);
      c.el.dataset.points = String(s.t.length);
      c.el.dataset.markers = String(markersFor(d.plc, s.t).length);
    }
  }
}
const schedule = () => (state.frame ||= requestAnimationFrame(render));

// ---- streams ----
function stream(url, handlers) {
  const source = new EventSource(url);
  for (const [kind, fn] of Object.entries(handlers)) {
    source.addEventListener(kind, (ev) => {
      fn(JSON.parse(ev.data));
      schedule();
    });
  }
  return source;
}

function setConn(stateName, text) {
  const el = $('conn');
  el.dataset.state = stateName;
  el.textContent = text;
}

function select(plc) {
  $('plc-select').value = plc ? String(plc) : '';
  for (const [p, e] of state.overview) e.card.classList.toggle('selected', p === plc);
  if (plc) {
    if (location.hash !== `#plc=${plc}`) history.replaceState(null, '', `#plc=${plc}`);
    if (state.detail?.plc !== plc) openDetail(plc);
    $('detail').scrollIntoView?.({ behavior: 'smooth', block: 'start' });
  } else {
    history.replaceState(null, '', location.pathname);
    closeDetail();
  }
}

function start() {
  const overview = stream(`/dashboard/events?series=dev&points=${OVERVIEW_POINTS}`, {
    hello: (hello) => {
      state.points = hello.points;
      state.offsetMs = hello.serverTime - Date.now();
    },
    snapshot: (data) => {
      data.plcs.forEach(applyOverview);
      addAnomalies(data.anomalies);
    },
    rows: (data) => data.plcs.forEach(applyOverview),
    anomalies: (data) => addAnomalies(data.markers),
    presence: (p) => {
      for (const dev of p.devices) state.names.set(dev.id, dev.name);
      for (const e of state.overview.values()) e.dirty = true;
      if (state.detail) $('detail-title').textContent = plcLabel(state.detail.plc);
      state.presence = p;
      renderPresence($('presence'), p, Date.now() + state.offsetMs);
    },
    health: (hl) => renderHealth($('health'), hl),
    status: (s) => (s.ok ? setConn('live', 'live') : setConn('error', `database: ${s.code}`)),
  });
  overview.addEventListener('open', () => setConn('live', 'live'));
  overview.addEventListener('error', () => setConn('reconnecting', 'reconnecting…'));
  $('plc-select').addEventListener('change', (ev) => select(Number(ev.target.value) || undefined));
  const fromHash = /^#plc=(\d+)$/.exec(location.hash);
  if (fromHash) select(Number(fromHash[1]));
}

start();
// Relative times ("12 s ago") age between presence events.
setInterval(() => state.presence && renderPresence($('presence'), state.presence, Date.now() + state.offsetMs), 10_000);
