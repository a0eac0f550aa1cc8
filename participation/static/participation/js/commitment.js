// Staff commitment form: mark the optional place on a map (participation/js/draw.js), a point or an
// area. The point goes into #lon/#lat, the area as GeoJSON [lon, lat] into #area (one clears the
// other); the server checks that it lies in the session's locality. Without JavaScript the same
// fields are typed by hand.
import { mountDrawing } from "./draw.js";

const lon = document.getElementById("lon");
const lat = document.getElementById("lat");
const area = document.getElementById("area");
const clear = () => { lon.value = ""; lat.value = ""; area.value = ""; };

const drawing = mountDrawing({
  onArea(polygon) {
    clear();
    area.value = JSON.stringify(polygon);
    drawing.say(drawing.text.ready);
  },
  onPoint(point) {
    clear();
    [lon.value, lat.value] = point.coordinates.map(String);
    drawing.say(drawing.text.point);
  },
  onClear: clear,
});
