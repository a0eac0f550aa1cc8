// Home map: public reports from the platform's vector tiles (clusters with counts below z14, one dot
// per report from z14; a dot opens the report's page). Without JavaScript or WebGL the list below the
// map shows the same reports, so nothing here is required to use the page.
const config = JSON.parse(document.getElementById("map-config").textContent);
const container = document.getElementById("map");
const BOGOTA = [[-74.23, 4.46], [-73.99, 4.84]];
const GROUP_COLOURS = { seguridad: "#a4262c", convivencia: "#0b6e4f" };

function tileUrl(template, params) {
  const query = new URLSearchParams(params).toString();
  return location.origin + template + (query ? `?${query}` : "");
}

function baseStyle(basemap) {
  const style = { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#eef1f4" } }] };
  if (basemap) {
    style.sources.basemap = { type: "raster", tiles: [basemap], tileSize: 256, attribution: "© OpenStreetMap" };
    style.layers.push({ id: "basemap", type: "raster", source: "basemap" });
  }
  return style;
}

function clusterMarkers(map) {
  // Counts as HTML labels: the platform serves no font glyphs, so MapLibre cannot draw text itself.
  const shown = new Map();
  const refresh = () => {
    const seen = new Set();
    const features = map.getZoom() < 14 ? map.queryRenderedFeatures({ layers: ["clusters"] }) : [];
    for (const feature of features.slice(0, 400)) {
      const [lon, lat] = feature.geometry.coordinates;
      const id = `${lon.toFixed(5)},${lat.toFixed(5)}`;
      seen.add(id);
      if (shown.has(id)) continue;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "cluster";
      button.textContent = String(feature.properties.count);
      button.setAttribute("aria-label", `${feature.properties.count} ${config.zoom_label}`);
      button.addEventListener("click", () => map.easeTo({ center: [lon, lat], zoom: Math.min(map.getZoom() + 2, 14) }));
      shown.set(id, new maplibregl.Marker({ element: button }).setLngLat([lon, lat]).addTo(map));
    }
    for (const [id, marker] of shown) {
      if (!seen.has(id)) {
        marker.remove();
        shown.delete(id);
      }
    }
  };
  map.on("idle", refresh);
}

function start() {
  const script = document.getElementById("maplibre");
  maplibregl.setWorkerUrl(script.dataset.worker);
  container.textContent = "";
  const map = new maplibregl.Map({ container, style: baseStyle(config.basemap), bounds: BOGOTA, maxZoom: 19, attributionControl: { compact: true } });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  const params = {};
  if (config.categories.length) params.category = config.categories.join(",");
  if (config.date_from) params.date_from = config.date_from;
  map.on("load", () => {
    map.addSource("localities", { type: "vector", tiles: [tileUrl(config.localities, {})], maxzoom: 14 });
    map.addSource("reports", { type: "vector", tiles: [tileUrl(config.tiles, params)], maxzoom: 16 });
    map.addLayer({ id: "localities", type: "line", source: "localities", "source-layer": "localities", paint: { "line-color": "#5b6670", "line-width": 1.2 } });
    map.addLayer({
      id: "clusters", type: "circle", source: "reports", "source-layer": "reports", filter: ["!", ["has", "category"]],
      paint: { "circle-color": "#0b4f8a", "circle-opacity": 0.25, "circle-radius": ["interpolate", ["linear"], ["get", "count"], 1, 10, 100, 18, 2000, 30] },
    });
    // Dot colour by the category's group (tiles carry the category code only).
    const byGroup = { seguridad: [], convivencia: [] };
    for (const [code, info] of Object.entries(config.index)) byGroup[info.group]?.push(code);
    const colour = ["case", ["in", ["get", "category"], ["literal", byGroup.seguridad]], GROUP_COLOURS.seguridad, GROUP_COLOURS.convivencia];
    map.addLayer({
      id: "points", type: "circle", source: "reports", "source-layer": "reports", filter: ["has", "category"],
      paint: { "circle-color": colour, "circle-radius": ["interpolate", ["linear"], ["get", "count"], 1, 7, 10, 11], "circle-stroke-color": "#fff", "circle-stroke-width": 2 },
    });
    clusterMarkers(map);
  });
  map.on("mouseenter", "points", () => { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "points", () => { map.getCanvas().style.cursor = ""; });
  map.on("click", "points", (event) => {
    const feature = event.features[0];
    if (feature.properties.id) location.href = `/reportes/${feature.properties.id}/`;
    else map.easeTo({ center: event.lngLat, zoom: map.getZoom() + 2 });
  });
  window.conviveMap = map; // for the browser tests and the console
}

if (window.maplibregl && container) {
  try {
    start();
  } catch (error) {
    console.warn("Mapa no disponible:", error);
  }
}
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
