// Prometheus text (what prom-client writes at /metrics) read just enough for the console's
// charts: each sample's metric name and value, summed over its labels.

/** Metric name → the sum of its samples' values. */
export function sumByName(text) {
  const sums = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    // `name{label="…",…} value [timestamp]`: label values may hold spaces, so cut at the brace.
    const match = /^([A-Za-z_:][\w:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const value = Number(match[3]);
    if (Number.isFinite(value)) sums.set(match[1], (sums.get(match[1]) ?? 0) + value);
  }
  return sums;
}

const svgNs = 'http://www.w3.org/2000/svg';

function svgElement(name, attributes) {
  const element = document.createElementNS(svgNs, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

/**
 * A line chart over time of a few series, redrawn whole on each sample (a minute of points
 * is nothing to draw). `series`: [{ name, color }]; `push` takes one value per series.
 */
export class LineChart {
  constructor(container, series, { points = 60 } = {}) {
    this.series = series.map((s) => ({ ...s, values: [] }));
    this.points = points;
    this.svg = svgElement('svg', { viewBox: '0 0 600 180', preserveAspectRatio: 'none', role: 'img' });
    this.svg.setAttribute('aria-label', series.map((s) => s.name).join(', '));
    const legend = document.createElement('div');
    legend.className = 'legend';
    this.readouts = this.series.map((s) => {
      const item = document.createElement('span');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = s.color;
      const readout = document.createElement('strong');
      readout.textContent = '–';
      item.append(swatch, `${s.name} `, readout);
      legend.append(item);
      return readout;
    });
    this.scale = Object.assign(document.createElement('span'), { className: 'muted' });
    legend.append(this.scale);
    container.replaceChildren(this.svg, legend);
  }

  push(values) {
    this.series.forEach((s, i) => {
      s.values.push(values[i] ?? 0);
      if (s.values.length > this.points) s.values.shift();
      this.readouts[i].textContent = formatNumber(values[i] ?? 0);
    });
    this.draw();
  }

  draw() {
    const width = 600;
    const height = 180;
    const pad = 18;
    const max = Math.max(1, ...this.series.flatMap((s) => s.values));
    const x = (i) => (i / (this.points - 1)) * width;
    const y = (v) => height - pad - (v / max) * (height - 2 * pad);
    const children = [
      svgElement('line', { x1: 0, x2: width, y1: y(0), y2: y(0), stroke: '#e3e6ea' }),
      svgElement('line', { x1: 0, x2: width, y1: y(max), y2: y(max), stroke: '#e3e6ea', 'stroke-dasharray': '4 4' }),
    ];
    // Text in the SVG would stretch with it: the scale is told beside the legend.
    this.scale.textContent = `top line ${formatNumber(max)}`;
    for (const s of this.series) {
      const offset = this.points - s.values.length;
      const points = s.values.map((v, i) => `${x(offset + i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      children.push(svgElement('polyline', { points, fill: 'none', stroke: s.color, 'stroke-width': 2, 'vector-effect': 'non-scaling-stroke', class: 'series' }));
    }
    this.svg.replaceChildren(...children);
  }
}

function formatNumber(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
