// Perception pulse page: two maps of the same area and period, side by side (stacked on a phone) and
// moving together. Left: UPZ polygons coloured by mean perceived safety from /api/pulse/map.geojson
// (UPZ under k answers in grey, "sin datos suficientes"). Right: the public incident heatmap cells from
// /api/maps/heatmap/ for the dates the pulse covers. The table under the maps has the same figures.
const config = JSON.parse(document.getElementById("pulse-config").textContent);
const status = document.getElementById("pulse-map-status");
// Five classes of a diverging red–yellow–blue scale (legible to the common colour-vision deficiencies);
// the same colours are in the page's legend.
const CLASSES = ["#d73027", 1.8, "#fc8d59", 2.6, "#fee090", 3.4, "#91bfdb", 4.2, "#4575b4"];

// Grey diagonal hatching for "sin datos suficientes", as the legend's swatch shows it.
function hatch(size = 8) {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const on = (x + y) % size < 2;
      data.set(on ? [120, 124, 130, 255] : [255, 255, 255, 160], (y * size + x) * 4);
    }
  }
  return { width: size, height: size, data };
}

function baseStyle() {
  const style = { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#eef1f4" } }] };
  if (config.basemap) {
    style.sources.basemap = { type: "raster", tiles: [config.basemap], tileSize: 256, attribution: "© OpenStreetMap" };
    style.layers.push({ id: "basemap", type: "raster", source: "basemap" });
  }
  return style;
}

function bounds(collection) {
  let [w, s, e, n] = [180, 90, -180, -90];
  const walk = (c) => {
    if (typeof c[0] === "number") {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(walk);
  };
  for (const f of collection.features) walk(f.geometry.coordinates);
  return w <= e ? [[w, s], [e, n]] : null;
}

async function json(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

function make(container) {
  return new maplibregl.Map({ container, style: baseStyle(), center: [-74.1, 4.65], zoom: 9.5, attributionControl: { compact: true } });
}

function ready(map) {
  return new Promise((resolve) => (map.loaded() ? resolve() : map.once("load", resolve)));
}

async function draw() {
  for (const el of document.querySelectorAll(".js-only")) el.hidden = false;
  maplibregl.setWorkerUrl(document.getElementById("maplibre").dataset.worker);
  const pulseMap = make("pulse-map");
  const heatMap = make("heat-map");
  window.convivePulseMaps = { pulse: pulseMap, heat: heatMap, drawn: false };
  const params = new URLSearchParams({ date_from: config.date_from, date_to: config.date_to, cell: String(config.cell) });
  if (config.locality) params.set("locality", config.locality);
  const [pulse, heat] = await Promise.all([json(config.pulse), json(`${config.heatmap}?${params}`), ready(pulseMap), ready(heatMap)]);

  pulseMap.addSource("pulse", { type: "geojson", data: pulse });
  pulseMap.addImage("hatch", hatch());
  pulseMap.addLayer({
    id: "pulse-fill",
    type: "fill",
    source: "pulse",
    filter: ["!", ["get", "suppressed"]],
    paint: { "fill-color": ["step", ["get", "mean"], ...CLASSES], "fill-opacity": 0.85 },
  });
  pulseMap.addLayer({
    id: "pulse-none",
    type: "fill",
    source: "pulse",
    filter: ["get", "suppressed"],
    paint: { "fill-pattern": "hatch" },
  });
  pulseMap.addLayer({ id: "pulse-line", type: "line", source: "pulse", paint: { "line-color": "#3b434b", "line-width": 0.8 } });

  // The same UPZ outlines on the heatmap, so both maps read alike.
  heatMap.addSource("upz", { type: "geojson", data: pulse });
  heatMap.addSource("heat", { type: "geojson", data: heat });
  heatMap.addLayer({
    id: "heat-cells",
    type: "fill",
    source: "heat",
    paint: {
      "fill-color": ["interpolate", ["linear"], ["get", "intensity"], 0, "#fee8c8", 0.5, "#fdbb84", 1, "#e34a33"],
      "fill-opacity": 0.85,
    },
  });
  heatMap.addLayer({ id: "upz-line", type: "line", source: "upz", paint: { "line-color": "#3b434b", "line-width": 0.8 } });

  const box = bounds(pulse);
  if (box) {
    pulseMap.fitBounds(box, { padding: 12, animate: false });
    heatMap.fitBounds(box, { padding: 12, animate: false });
  }
  // Move together: whichever map the person moves leads, the other follows.
  let leading = null;
  const follow = (from, to) => from.on("move", () => {
    if (leading && leading !== from) return;
    leading = from;
    to.jumpTo({ center: from.getCenter(), zoom: from.getZoom(), bearing: from.getBearing(), pitch: from.getPitch() });
    leading = null;
  });
  follow(pulseMap, heatMap);
  follow(heatMap, pulseMap);

  const popup = new maplibregl.Popup({ closeButton: false, closeOnClick: true });
  const describe = (event) => {
    const p = event.features[0].properties;
    const text = p.suppressed ? config.noData : config.mean.replace("%(v)s", Number(p.mean).toFixed(2));
    popup.setLngLat(event.lngLat).setText(`${p.name}: ${text}`).addTo(pulseMap);
  };
  pulseMap.on("click", "pulse-fill", describe);
  pulseMap.on("click", "pulse-none", describe);
  heatMap.on("click", "heat-cells", (event) => {
    const p = event.features[0].properties;
    popup.setLngLat(event.lngLat).setText(config.reports.replace("%(n)s", String(p.count))).addTo(heatMap);
  });
  // What was drawn, for a person in the console and for the browser test.
  Object.assign(window.convivePulseMaps, {
    drawn: true,
    upz: pulse.features.length,
    rated: pulse.features.filter((f) => !f.properties.suppressed).map((f) => f.properties.code),
    cells: heat.features.length,
  });
}

if (window.maplibregl && document.getElementById("pulse-map")) {
  draw().catch((error) => {
    status.textContent = String(error.message || error);
  });
}
