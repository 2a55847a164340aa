// The report page's own style sheet and script (Chart.js itself is inlined from the installed package).

/** The page's styles. */
export const STYLE = `
:root { --fg: #1d2330; --muted: #5b6475; --line: #e3e6ec; --bg: #f6f7f9; --card: #fff; --accent: #4269d0; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1240px; margin: 0 auto; padding: 20px 24px 40px; }
header { display: flex; gap: 24px; justify-content: space-between; align-items: flex-start; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; }
h1 { margin: 0; font-size: 22px; }
h2 { font-size: 17px; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 13px; margin: 0; font-weight: 600; }
.subtitle { margin: 2px 0 10px; color: var(--muted); }
.note { color: var(--muted); margin: 8px 0 0; font-size: 13px; }
.verdict { margin: 8px 0 0; padding: 6px 10px; border-left: 3px solid #c4661f; background: #fbf3ec; font-size: 13px; }
nav { margin-top: 10px; display: flex; gap: 14px; font-size: 13px; }
nav a { color: var(--accent); text-decoration: none; }
.stats { display: flex; flex-wrap: wrap; gap: 8px; margin: 6px 0 10px; }
.stat { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; min-width: 120px; }
.stat-label { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.stat-value { font-size: 19px; font-weight: 600; font-variant-numeric: tabular-nums; }
.stat-sub { font-size: 12px; color: var(--muted); }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 20px 16px; margin-top: 16px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 14px 18px; }
.chart { margin: 0; min-width: 0; }
.grid.two { grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); margin-top: 14px; }
.chart.wide { grid-column: 1 / -1; }
.muted { color: var(--muted); font-weight: 400; }
.chart-head { display: flex; justify-content: space-between; align-items: baseline; }
.chart figcaption { font-size: 12px; color: var(--muted); }
.canvas-box { position: relative; height: 230px; margin-top: 4px; }
.chart.wide .canvas-box { height: 300px; }
.toggle { font-size: 12px; color: var(--muted); cursor: pointer; user-select: none; }
.hero { margin: 0; text-align: center; }
.hero figcaption, .sample figcaption { font-size: 12px; color: var(--muted); }
img { image-rendering: pixelated; display: block; margin: 0 auto; background: #000; }
.strip { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 14px; }
.sample { margin: 0; text-align: center; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; margin-top: 8px; }
th, td { padding: 3px 12px 3px 0; text-align: left; border-bottom: 1px solid var(--line); }
thead th { color: var(--muted); font-weight: 600; }
td.best { font-weight: 700; background: #eef2fc; outline: 2px solid #1d2330; outline-offset: -2px; }
tr.baseline th, tr.baseline td { color: #b22; }
table.probe td, table.probe th { padding-right: 18px; }
table.kv th { color: var(--muted); font-weight: 500; padding-right: 24px; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; font-size: 12px; overflow: auto; max-height: 480px; margin: 8px 0 0; }
.setup { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 18px; }
.warnings { background: #fff6e0; border: 1px solid #f0d28a; border-radius: 8px; padding: 8px 20px; margin-top: 16px; }
.warnings li { margin: 2px 0; }
footer { color: var(--muted); font-size: 12px; margin-top: 16px; text-align: center; }
`;

/** The page's own script: draws each embedded Chart.js configuration and wires the log-scale checkboxes. */
export const PAGE_SCRIPT = `(function () {
  'use strict';
  var specs = JSON.parse(document.getElementById('darl-charts').textContent);
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  Chart.defaults.font.size = 11;
  Chart.defaults.color = '#3a4252';
  Chart.defaults.borderColor = 'rgba(0, 0, 0, 0.08)';
  var charts = {};
  Object.keys(specs).forEach(function (id) {
    var canvas = document.getElementById('chart-' + id);
    if (canvas) charts[id] = new Chart(canvas, specs[id]);
  });
  document.querySelectorAll('input[data-log-toggle]').forEach(function (box) {
    box.addEventListener('change', function () {
      var chart = charts[box.getAttribute('data-log-toggle')];
      chart.options.scales.y.type = box.checked ? 'logarithmic' : 'linear';
      chart.update();
    });
  });
  document.documentElement.setAttribute('data-charts-drawn', String(Object.keys(charts).length));
})();`;
