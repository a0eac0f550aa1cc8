// "Cerca de mí": adds "use my location" (the browser's coordinates fill the form's hidden lat/lon and
// the form is sent as usual) and draws the listed services on a small map below the list. The page
// works without it: the UPZ list and the service list are plain HTML.
const config = JSON.parse(document.getElementById("nearby-config").textContent);
const text = config.messages;
const form = document.getElementById("nearby-form");
const button = document.getElementById("use-location");
const status = document.getElementById("gps-status");

if (form && button) {
  button.hidden = false;
  button.addEventListener("click", () => {
    if (!("geolocation" in navigator)) {
      status.textContent = text.no_gps;
      return;
    }
    status.textContent = text.locating;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        form.elements.lat.value = position.coords.latitude.toFixed(6);
        form.elements.lon.value = position.coords.longitude.toFixed(6);
        form.elements.upz.value = "";
        form.submit();
      },
      () => {
        status.textContent = text.denied;
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });
  // A UPZ chosen from the list replaces coordinates sent earlier.
  form.elements.upz.addEventListener("change", () => {
    form.elements.lat.value = "";
    form.elements.lon.value = "";
  });
}

function drawMap() {
  const container = document.getElementById("nearby-map");
  if (!window.maplibregl || !container || !config.points.length) return;
  container.hidden = false;
  maplibregl.setWorkerUrl(document.getElementById("maplibre").dataset.worker);
  const style = { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#eef1f4" } }] };
  if (config.basemap) {
    style.sources.basemap = { type: "raster", tiles: [config.basemap], tileSize: 256, attribution: "© OpenStreetMap" };
    style.layers.push({ id: "basemap", type: "raster", source: "basemap" });
  }
  style.sources.services = {
    type: "geojson",
    data: {
      type: "FeatureCollection",
      features: config.points.map((p, i) => ({ type: "Feature", geometry: { type: "Point", coordinates: [p.lon, p.lat] }, properties: { n: String(i + 1) } })),
    },
  };
  style.layers.push({ id: "services", type: "circle", source: "services", paint: { "circle-radius": 8, "circle-color": "#0b4f8a", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
  const bounds = new maplibregl.LngLatBounds();
  config.points.forEach((p) => bounds.extend([p.lon, p.lat]));
  window.conviveMap = new maplibregl.Map({ container, style, bounds, fitBoundsOptions: { padding: 40, maxZoom: 15 }, attributionControl: { compact: true } });
}

if (window.maplibregl) drawMap();
else document.getElementById("maplibre")?.addEventListener("load", drawMap);
