// Staff queue: the same selection as the table on a map, exact points for the caller's own localities
// (the GeoJSON comes from workbench.selectors.queue_geojson, built in PostGIS). A tap on a point opens
// its report. Also adds a "select all" box to the bulk form. The page works without this module.
const config = JSON.parse(document.getElementById("queue-data").textContent);
const data = config.reports;
const container = document.getElementById("queue-map");

function bounds(features) {
  let box = null;
  for (const f of features) {
    const [x, y] = f.geometry.coordinates;
    box = box ? [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)] : [x, y, x, y];
  }
  return box;
}

if (window.maplibregl && container) {
  maplibregl.setWorkerUrl(document.getElementById("maplibre").dataset.worker);
  const basemap = config.basemap;
  const style = { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#eef1f4" } }] };
  if (basemap) {
    style.sources.basemap = { type: "raster", tiles: [basemap], tileSize: 256, attribution: "© OpenStreetMap" };
    style.layers.push({ id: "basemap", type: "raster", source: "basemap" });
  }
  style.sources.localities = { type: "vector", tiles: [`${location.origin}/api/maps/tiles/localities/{z}/{x}/{y}.mvt`], maxzoom: 14 };
  style.layers.push({ id: "localities", type: "line", source: "localities", "source-layer": "localities", paint: { "line-color": "#5b6670", "line-width": 1.2 } });
  style.sources.reports = { type: "geojson", data };
  style.layers.push({ id: "reports", type: "circle", source: "reports", paint: { "circle-radius": 6, "circle-color": "#0b4f8a", "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 } });
  const box = bounds(data.features);
  const map = new maplibregl.Map({ container, style, center: [-74.08, 4.65], zoom: 10, attributionControl: { compact: true } });
  if (box) map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 30, maxZoom: 16, duration: 0 });
  map.on("click", "reports", (e) => { location.href = `/gestion/reportes/${e.features[0].properties.id}/`; });
  map.on("mouseenter", "reports", () => { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "reports", () => { map.getCanvas().style.cursor = ""; });
  window.conviveMap = map;
}

const boxes = [...document.querySelectorAll("#bulk input[name=reportes]")];
const head = document.querySelector("#bulk thead th");
if (boxes.length && head) {
  const all = document.createElement("input");
  all.type = "checkbox";
  all.id = "select-all";
  all.setAttribute("aria-label", head.querySelector(".visually-hidden").textContent + " (todos)");
  all.addEventListener("change", () => boxes.forEach((b) => { b.checked = all.checked; }));
  head.append(all);
}
