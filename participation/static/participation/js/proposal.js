// Proposal form on the shared drawing map (participation/js/draw.js). With "Un punto" chosen, a tap
// writes the place into the form's #lat/#lon fields; with "Un área", each tap is a corner and
// "Cerrar área" writes the polygon as GeoJSON [lon, lat] into #area. The server validates both;
// without JavaScript, or by keyboard, the UPZ list and the coordinate fields do the same job.
import { mountDrawing } from "./draw.js";

const field = document.getElementById("area");
const lat = document.getElementById("lat");
const lon = document.getElementById("lon");
const closeButton = document.getElementById("draw-close");
const choice = (value) => document.querySelector(`input[name="where"][value="${value}"]`);
const mode = () => document.querySelector('input[name="where"]:checked')?.value || "upz";

function pinned() {
  const x = Number.parseFloat(lon.value);
  const y = Number.parseFloat(lat.value);
  return Number.isFinite(x) && Number.isFinite(y) ? [x, y] : null;
}

let drawing = null;
// In point mode the map shows the typed or tapped point; otherwise whatever corners were drawn.
const showPin = () => {
  const at = mode() === "point" ? pinned() : null;
  drawing.show(mode() === "point" ? { type: at ? "Point" : "MultiPoint", coordinates: at || [] } : null);
};
const showClose = () => { closeButton.hidden = mode() === "point"; };

drawing = mountDrawing({
  onArea(polygon) {
    field.value = JSON.stringify(polygon);
    choice("area").checked = true;
    showClose();
    drawing.say(drawing.text.ready);
  },
  onClear() {
    if (mode() === "point") { lon.value = ""; lat.value = ""; } else { field.value = ""; }
    if (drawing && mode() === "point") showPin();
  },
  onMapClick(at) {
    if (mode() !== "point") return false;
    [lon.value, lat.value] = at.map(String);
    showPin();
    drawing.say(drawing.text.point.replace("%(lat)s", lat.value).replace("%(lon)s", lon.value));
    return true;
  },
});

if (drawing) {
  const start = pinned();
  if (start) drawing.map.jumpTo({ center: start, zoom: 15 });
  showClose();
  showPin();
  // Typed coordinates and a change of mode redraw what the map shows.
  for (const input of [lat, lon, ...document.querySelectorAll('input[name="where"]')]) {
    input.addEventListener("change", () => { showClose(); showPin(); });
  }
}
