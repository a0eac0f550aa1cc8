// Drawing on a MapLibre map, shared by the proposal form (an area) and the staff commitment form (a
// point or an area). Tap the map at each corner, then "Cerrar área"; with one corner, "Usar como
// punto" (when the page offers it). By keyboard: pan with the arrow keys and press "Añadir esquina
// en el centro" (when offered). Coordinates are [lon, lat] (EPSG:4326), six decimals; the server
// validates whatever the form sends. Callbacks write the result into the page's own form fields.
// What it says aloud comes translated from the page (json_script "draw-messages"), Spanish otherwise.

const SPANISH = {
  corner: "Esquinas marcadas: %(n)s.",
  few: "Marque al menos 3 esquinas en el mapa.",
  one: "Marque un solo sitio en el mapa para usarlo como punto.",
  cleared: "Borrado.",
};

function messages() {
  const node = document.getElementById("draw-messages");
  return { ...SPANISH, ...(node ? JSON.parse(node.textContent) : {}) };
}

function baseStyle(config, shape) {
  const style = { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#eef1f4" } }] };
  if (config.basemap) {
    style.sources.basemap = { type: "raster", tiles: [config.basemap], tileSize: 256, attribution: "© OpenStreetMap" };
    style.layers.push({ id: "basemap", type: "raster", source: "basemap" });
  }
  style.sources.upz = { type: "vector", tiles: [`${location.origin}/api/maps/tiles/upz/{z}/{x}/{y}.mvt`], maxzoom: 14 };
  style.layers.push({ id: "upz", type: "line", source: "upz", "source-layer": "upz", paint: { "line-color": "#5b6670", "line-width": 1 } });
  style.sources.drawn = { type: "geojson", data: shape };
  style.layers.push({ id: "drawn-fill", type: "fill", source: "drawn", filter: ["==", ["geometry-type"], "Polygon"], paint: { "fill-color": "#0b4f8a", "fill-opacity": 0.25 } });
  style.layers.push({ id: "drawn-line", type: "line", source: "drawn", paint: { "line-color": "#0b4f8a", "line-width": 2 } });
  style.layers.push({ id: "drawn-corners", type: "circle", source: "drawn", paint: { "circle-radius": 5, "circle-color": "#0b4f8a" } });
  return style;
}

/**
 * Mount the drawing map. Elements are looked up by id inside `document`: draw-config (JSON:
 * basemap, optional center [lon, lat] and zoom), draw-map, draw-status, draw-close, draw-clear, and
 * the optional draw-point and draw-center. Returns the map, or null without MapLibre.
 *   onArea(polygon)   the closed GeoJSON Polygon
 *   onPoint(point)    a GeoJSON Point (only when draw-point exists)
 *   onClear()         the drawing was erased
 *   onMapClick([lon, lat])  optional: return true to take the click for the page (e.g. a point
 *                     written into the page's own fields) instead of adding a corner
 * The returned object also has show(geometry): draw a geometry the page owns (null to stop).
 */
export function mountDrawing({ onArea, onPoint = null, onClear = () => {}, onMapClick = null }) {
  const container = document.getElementById("draw-map");
  if (!window.maplibregl || !container) return null;
  const config = JSON.parse(document.getElementById("draw-config").textContent);
  const status = document.getElementById("draw-status");
  const pointButton = document.getElementById("draw-point");
  const centerButton = document.getElementById("draw-center");
  let corners = [];
  let closed = false;
  let pointed = false;
  let shown = null;
  const text = messages();

  const shape = () => {
    if (shown) return shown;
    if (closed && corners.length >= 3) return { type: "Polygon", coordinates: [[...corners, corners[0]]] };
    if (pointed && corners.length === 1) return { type: "Point", coordinates: corners[0] };
    if (corners.length >= 2) return { type: "LineString", coordinates: corners };
    return { type: "MultiPoint", coordinates: corners };
  };
  const say = (text) => { status.textContent = text; };

  for (const el of document.querySelectorAll(".js-only")) el.hidden = false;
  maplibregl.setWorkerUrl(document.getElementById("maplibre").dataset.worker);
  const map = new maplibregl.Map({
    container,
    style: baseStyle(config, shape()),
    center: config.center || [-74.08, 4.63],
    zoom: config.zoom || 11,
    attributionControl: { compact: true },
  });
  window.conviveDrawMap = map;
  const redraw = () => map.getSource("drawn")?.setData(shape());
  if (centerButton) {
    // The centre a keyboard user adds a corner at: a cross-hair over the middle of the map.
    const cross = document.createElement("div");
    cross.className = "draw-crosshair";
    cross.setAttribute("aria-hidden", "true");
    Object.assign(cross.style, {
      position: "absolute", left: "50%", top: "50%", width: "22px", height: "22px", margin: "-11px 0 0 -11px",
      border: "2px solid #0b4f8a", borderRadius: "50%", pointerEvents: "none", zIndex: 2,
      boxShadow: "0 0 0 2px #fff",
    });
    container.appendChild(cross);
  }
  const showAll = () => {
    const lons = corners.map((c) => c[0]);
    const lats = corners.map((c) => c[1]);
    map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]], { padding: 40, maxZoom: 16, duration: 0 });
  };

  const addCorner = (lng, lat) => {
    if (closed || pointed) { corners = []; closed = false; pointed = false; onClear(); }
    shown = null;
    corners.push([Number(lng.toFixed(6)), Number(lat.toFixed(6))]);
    redraw();
    say(text.corner.replace("%(n)s", String(corners.length)));
  };
  map.on("click", (event) => {
    const at = [Number(event.lngLat.lng.toFixed(6)), Number(event.lngLat.lat.toFixed(6))];
    if (onMapClick?.(at)) return;
    addCorner(event.lngLat.lng, event.lngLat.lat);
  });
  centerButton?.addEventListener("click", () => {
    const c = map.getCenter();
    addCorner(c.lng, c.lat);
  });
  document.getElementById("draw-close").addEventListener("click", () => {
    if (corners.length < 3) { say(text.few); return; }
    closed = true;
    redraw();
    showAll();
    onArea(shape());
  });
  pointButton?.addEventListener("click", () => {
    if (corners.length !== 1) { say(text.one); return; }
    pointed = true;
    redraw();
    onPoint(shape());
  });
  document.getElementById("draw-clear").addEventListener("click", () => {
    corners = []; closed = false; pointed = false; shown = null;
    redraw();
    onClear();
    say(text.cleared);
  });
  const show = (geometry) => { shown = geometry; redraw(); };
  return { map, say, show, text };
}

/**
 * A read-only map of a place the page owns (a proposal's point or area): the drawing map's base and
 * layers, fixed on the place. It takes no input at all (interactive: false), so it holds no focus
 * and cannot trap the keyboard; the page's own caption names the place in words. Elements: place-map
 * and place-config (JSON: geometry, basemap). Returns the map, or null without MapLibre.
 */
export function mountPlace() {
  const container = document.getElementById("place-map");
  if (!window.maplibregl || !container) return null;
  const config = JSON.parse(document.getElementById("place-config").textContent);
  const positions = [];
  const walk = (c) => (typeof c[0] === "number" ? positions.push(c) : c.forEach(walk));
  walk(config.geometry.coordinates);
  const lons = positions.map((p) => p[0]);
  const lats = positions.map((p) => p[1]);
  container.hidden = false;
  maplibregl.setWorkerUrl(document.getElementById("maplibre").dataset.worker);
  const map = new maplibregl.Map({
    container,
    style: baseStyle(config, config.geometry),
    bounds: [[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]],
    // A point alone at street zoom shows nothing around it: a little wider, so its UPZ outline shows.
    fitBoundsOptions: { padding: 30, maxZoom: config.geometry.type === "Point" ? 14 : 16 },
    interactive: false,
    attributionControl: false,  // the caption credits the base map: a link inside role="img" would be lost
  });
  window.convivePlaceMap = map;
  return map;
}
