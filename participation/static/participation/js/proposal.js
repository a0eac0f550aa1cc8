// Proposal form: draw the area on a map (participation/js/draw.js). The polygon is written as GeoJSON
// [lon, lat] into the form's #area field, which the server validates; without JavaScript, or by
// keyboard, the UPZ list does the same job.
import { mountDrawing } from "./draw.js";

const field = document.getElementById("area");
const areaChoice = document.querySelector('input[name="where"][value="area"]');
const upzChoice = document.querySelector('input[name="where"][value="upz"]');

const drawing = mountDrawing({
  onArea(polygon) {
    field.value = JSON.stringify(polygon);
    areaChoice.checked = true;
    drawing.say("Área lista: se enviará con la propuesta.");
  },
  onClear() {
    field.value = "";
    if (upzChoice) upzChoice.checked = true;
  },
});
