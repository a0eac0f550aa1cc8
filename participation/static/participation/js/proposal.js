// Proposal form: draw the area on a map (tap each corner, then "Cerrar área"). The polygon is written
// as GeoJSON [lon, lat] into the form's #area field, which the server validates; without JavaScript,
// or by keyboard, the UPZ list does the same job.
const config = JSON.parse(document.getElementById("draw-config").textContent);
const container = document.getElementById("draw-map");
const field = document.getElementById("area");
const status = document.getElementById("draw-status");
const areaChoice = document.querySelector('input[name="where"][value="area"]');
const upzChoice = document.querySelector('input[name="where"][value="upz"]');
let corners = [];
let closed = false;

function shape() {
  if (closed && corners.length >= 3) {
    return { type: "Polygon", coordinates: [[...corners, corners[0]]] };
  }
  if (corners.length >= 2) return { type: "LineString", coordinates: corners };
  return { type: "MultiPoint", coordinates: corners };
}

function say(text) {
  status.textContent = text;
}

if (window.maplibregl && container) {
  for (const el of document.querySelectorAll(".js-only")) el.hidden = false;
  maplibregl.setWorkerUrl(document.getElementById("maplibre").dataset.worker);
  const style = { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#eef1f4" } }] };
  if (config.basemap) {
    style.sources.basemap = { type: "raster", tiles: [config.basemap], tileSize: 256, attribution: "© OpenStreetMap" };
    style.layers.push({ id: "basemap", type: "raster", source: "basemap" });
  }
  style.sources.upz = { type: "vector", tiles: [`${location.origin}/api/maps/tiles/upz/{z}/{x}/{y}.mvt`], maxzoom: 14 };
  style.layers.push({ id: "upz", type: "line", source: "upz", "source-layer": "upz", paint: { "line-color": "#5b6670", "line-width": 1 } });
  style.sources.drawn = { type: "geojson", data: shape() };
  style.layers.push({ id: "drawn-fill", type: "fill", source: "drawn", filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": "#0b4f8a", "fill-opacity": 0.25 } });
  style.layers.push({ id: "drawn-line", type: "line", source: "drawn", paint: { "line-color": "#0b4f8a", "line-width": 2 } });
  style.layers.push({ id: "drawn-corners", type: "circle", source: "drawn", paint: { "circle-radius": 5, "circle-color": "#0b4f8a" } });
  const map = new maplibregl.Map({ container, style, center: [-74.08, 4.63], zoom: 11, attributionControl: { compact: true } });
  window.conviveDrawMap = map;
  const redraw = () => map.getSource("drawn")?.setData(shape());

  map.on("click", (event) => {
    if (closed) { corners = []; closed = false; field.value = ""; }
    corners.push([Number(event.lngLat.lng.toFixed(6)), Number(event.lngLat.lat.toFixed(6))]);
    redraw();
    say(`${corners.length} ${corners.length === 1 ? "esquina" : "esquinas"}`);
  });
  document.getElementById("draw-close").addEventListener("click", () => {
    if (corners.length < 3) { say("Marque al menos 3 esquinas en el mapa."); return; }
    closed = true;
    field.value = JSON.stringify(shape());
    areaChoice.checked = true;
    redraw();
    say("Área lista: se enviará con la propuesta.");
  });
  document.getElementById("draw-clear").addEventListener("click", () => {
    corners = []; closed = false; field.value = "";
    if (upzChoice) upzChoice.checked = true;
    redraw();
    say("Área borrada.");
  });
}
