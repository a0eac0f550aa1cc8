// Staff report page: the exact point, the boundary of its UPZ and nearby reports of the same category.
const config = JSON.parse(document.getElementById("report-config").textContent);
const container = document.getElementById("report-map");
if (window.maplibregl && container && config.point) {
  maplibregl.setWorkerUrl(document.getElementById("maplibre").dataset.worker);
  const { lon, lat } = config.point;
  const basemap = config.basemap;
  const style = { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#eef1f4" } }] };
  if (basemap) {
    style.sources.basemap = { type: "raster", tiles: [basemap], tileSize: 256, attribution: "© OpenStreetMap" };
    style.layers.push({ id: "basemap", type: "raster", source: "basemap" });
  }
  if (config.upz) {
    style.sources.upz = { type: "geojson", data: JSON.parse(config.upz) };
    style.layers.push({ id: "upz-fill", type: "fill", source: "upz", paint: { "fill-color": "#0b4f8a", "fill-opacity": 0.06 } });
    style.layers.push({ id: "upz", type: "line", source: "upz", paint: { "line-color": "#0b4f8a", "line-width": 2, "line-dasharray": [2, 1] } });
  }
  const nearby = config.nearby.map((n) => ({ type: "Feature", properties: { id: n.id }, geometry: { type: "Point", coordinates: [n.lon, n.lat] } }));
  style.sources.nearby = { type: "geojson", data: { type: "FeatureCollection", features: nearby } };
  style.layers.push({ id: "nearby", type: "circle", source: "nearby", paint: { "circle-radius": 5, "circle-color": "#8a5a0b", "circle-stroke-color": "#fff", "circle-stroke-width": 1 } });
  style.sources.place = { type: "geojson", data: { type: "Point", coordinates: [lon, lat] } };
  style.layers.push({ id: "place", type: "circle", source: "place", paint: { "circle-radius": 8, "circle-color": "#b00020", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
  window.conviveMap = new maplibregl.Map({ container, style, center: [lon, lat], zoom: 15, attributionControl: { compact: true } });
}
