// Proposal form: mark a point or draw an area on the map. With "Un punto" chosen, a tap writes the
// place into the form's #lat/#lon fields; with "Un área", each tap is a corner and "Cerrar área" writes
// the polygon as GeoJSON [lon, lat] into #area. The server validates both; without JavaScript, or by
// keyboard, the UPZ list and the coordinate fields do the same job.
const config = JSON.parse(document.getElementById("draw-config").textContent);
const text = JSON.parse(document.getElementById("draw-messages").textContent);
const container = document.getElementById("draw-map");
const field = document.getElementById("area");
const lat = document.getElementById("lat");
const lon = document.getElementById("lon");
const status = document.getElementById("draw-status");
const choice = (value) => document.querySelector(`input[name="where"][value="${value}"]`);
let corners = [];
let closed = false;

function mode() {
  return document.querySelector('input[name="where"]:checked')?.value || "upz";
}

function pinned() {
  const x = Number.parseFloat(lon.value);
  const y = Number.parseFloat(lat.value);
  return Number.isFinite(x) && Number.isFinite(y) ? [x, y] : null;
}

function shape() {
  if (mode() === "point") {
    const at = pinned();
    return at ? { type: "Point", coordinates: at } : { type: "MultiPoint", coordinates: [] };
  }
  if (closed && corners.length >= 3) {
    return { type: "Polygon", coordinates: [[...corners, corners[0]]] };
  }
  if (corners.length >= 2) return { type: "LineString", coordinates: corners };
  return { type: "MultiPoint", coordinates: corners };
}

function say(message) {
  status.textContent = message;
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
  style.layers.push({ id: "drawn-corners", type: "circle", source: "drawn", paint: { "circle-radius": 6, "circle-color": "#0b4f8a", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
  const start = pinned();
  const map = new maplibregl.Map({
    container,
    style,
    center: start || [-74.08, 4.63],
    zoom: start ? 15 : 11,
    attributionControl: { compact: true },
  });
  window.conviveDrawMap = map;
  const redraw = () => map.getSource("drawn")?.setData(shape());

  map.on("click", (event) => {
    const at = [Number(event.lngLat.lng.toFixed(6)), Number(event.lngLat.lat.toFixed(6))];
    if (mode() === "point") {
      [lon.value, lat.value] = at.map(String);
      redraw();
      say(text.point.replace("%(lat)s", lat.value).replace("%(lon)s", lon.value));
      return;
    }
    if (closed) { corners = []; closed = false; field.value = ""; }
    corners.push(at);
    redraw();
    say(text.corner.replace("%(n)s", String(corners.length)));
  });
  document.getElementById("draw-close").addEventListener("click", () => {
    if (corners.length < 3) { say(text.few); return; }
    closed = true;
    field.value = JSON.stringify({ type: "Polygon", coordinates: [[...corners, corners[0]]] });
    choice("area").checked = true;
    redraw();
    say(text.ready);
  });
  document.getElementById("draw-clear").addEventListener("click", () => {
    if (mode() === "point") {
      lon.value = ""; lat.value = "";
    } else {
      corners = []; closed = false; field.value = "";
    }
    redraw();
    say(text.cleared);
  });
  // "Cerrar área" only means something when drawing an area.
  const closeButton = document.getElementById("draw-close");
  const showClose = () => { closeButton.hidden = mode() === "point"; };
  showClose();
  // Typed coordinates and a change of mode redraw what the map shows.
  for (const input of [lat, lon, ...document.querySelectorAll('input[name="where"]')]) {
    input.addEventListener("change", () => { showClose(); redraw(); });
  }
}
