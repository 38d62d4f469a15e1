// uPlot charts of the dashboard: one sparkline per PLC, one chart per sensor in the detail view.
// uPlot (https://github.com/leeoniya/uPlot) is loaded as a global by index.html, vendored from node_modules.
const U = globalThis.uPlot;
const PHASE_MS = 6000;

/** Where a marker sits on the time axis: the phase it names, else its cycle start. */
export const markerTime = (m) => (m.phase ? m.ts + (m.phase - 1) * PHASE_MS : m.ts);

export function createSparkline(el, width) {
  return new U(
    {
      width,
      height: 40,
      cursor: { show: false },
      legend: { show: false },
      select: { show: false },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max ?? 1)] } },
      axes: [{ show: false }, { show: false }],
      series: [{}, { stroke: '#3b7dd8', width: 1, fill: 'rgba(59,125,216,0.12)', points: { show: false } }],
    },
    [[], []],
    el,
  );
}

/**
 * A sensor chart: the values, and the expected band as steps (lo and hi
 * hold their value until the next point, so the band changes at each phase
 * start), filled between; anomaly markers as vertical lines, solid red on
 * the sensors the report blames.
 */
export function createSensorChart(el, sensor, width, markersOf) {
  const stepped = U.paths.stepped({ align: 1 });
  const bandStroke = 'rgba(60,130,220,0.55)';
  return new U(
    {
      width,
      height: 150,
      cursor: { sync: { key: 'detail' } },
      legend: { show: false },
      scales: { x: { time: true } },
      axes: [{ size: 30, font: '11px system-ui' }, { size: 36, font: '11px system-ui' }],
      series: [
        {},
        { label: sensor, stroke: '#1d2430', width: 1.5, points: { show: true, size: 3 } },
        { label: 'min', stroke: bandStroke, width: 1, paths: stepped, points: { show: false } },
        { label: 'max', stroke: bandStroke, width: 1, paths: stepped, points: { show: false } },
      ],
      bands: [{ series: [3, 2], fill: 'rgba(60,130,220,0.15)' }],
      hooks: { draw: [(u) => drawMarkers(u, sensor, markersOf())] },
    },
    [[], [], [], []],
    el,
  );
}

function drawMarkers(u, sensor, markers) {
  const { ctx, bbox } = u;
  ctx.save();
  for (const m of markers) {
    const x = u.valToPos(markerTime(m) / 1000, 'x', true);
    if (!(x >= bbox.left && x <= bbox.left + bbox.width)) continue;
    const blamed = m.sensors.length === 0 || m.sensors.includes(sensor);
    ctx.strokeStyle = blamed ? '#d33' : 'rgba(221,51,51,0.35)';
    ctx.lineWidth = blamed ? 2 : 1;
    ctx.setLineDash(blamed ? [] : [4, 3]);
    ctx.beginPath();
    ctx.moveTo(x, bbox.top);
    ctx.lineTo(x, bbox.top + bbox.height);
    ctx.stroke();
  }
  ctx.restore();
}

/** Keeps a chart as wide as its box (phones rotate, windows resize). */
export function fitWidth(el, chart, height) {
  const ro = new ResizeObserver(() => {
    const w = Math.max(120, Math.floor(el.clientWidth));
    if (w !== chart.width) chart.setSize({ width: w, height });
  });
  ro.observe(el);
  return () => ro.disconnect();
}
