// Public report page: the generalised point on a small, still map (never drawn for sensitive reports:
// the server does not send a point for them).
const config = JSON.parse(document.getElementById("place-config").textContent);
const container = document.getElementById("place-map");
if (window.maplibregl && container) {
  maplibregl.setWorkerUrl(document.getElementById("maplibre").dataset.worker);
  const style = { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#eef1f4" } }] };
  if (config.basemap) {
    style.sources.basemap = { type: "raster", tiles: [config.basemap], tileSize: 256, attribution: "© OpenStreetMap" };
    style.layers.push({ id: "basemap", type: "raster", source: "basemap" });
  }
  style.sources.localities = { type: "vector", tiles: [`${location.origin}/api/maps/tiles/localities/{z}/{x}/{y}.mvt`], maxzoom: 14 };
  style.layers.push({ id: "localities", type: "line", source: "localities", "source-layer": "localities", paint: { "line-color": "#5b6670", "line-width": 1.2 } });
  style.sources.place = { type: "geojson", data: { type: "Point", coordinates: [config.lon, config.lat] } };
  style.layers.push({ id: "area", type: "circle", source: "place", paint: { "circle-radius": 22, "circle-color": "#0b4f8a", "circle-opacity": 0.2 } });
  style.layers.push({ id: "place", type: "circle", source: "place", paint: { "circle-radius": 8, "circle-color": "#0b4f8a", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
  window.conviveMap = new maplibregl.Map({ container, style, center: [config.lon, config.lat], zoom: 15, interactive: false, attributionControl: { compact: true } });
}
