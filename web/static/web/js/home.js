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
  map.on("moveend", refresh); // at street zoom the labels go at once, not after the tiles load
}

function categoryIcon(info) {
  const size = 56;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext("2d");
  ctx.beginPath();
  ctx.arc(size / 2, size / 2, size / 2 - 3, 0, 2 * Math.PI);
  ctx.fillStyle = GROUP_COLOURS[info.group] || "#333";
  ctx.fill();
  ctx.lineWidth = 5;
  ctx.strokeStyle = "#fff";
  ctx.stroke();
  const words = info.name.split(/\s+/).filter((w) => w.length > 2);
  const initials = (words.length > 1 ? words[0][0] + words[1][0] : info.name.slice(0, 2)).toUpperCase();
  ctx.fillStyle = "#fff";
  ctx.font = "bold 22px sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(initials, size / 2, size / 2 + 1);
  return ctx.getImageData(0, 0, size, size);
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
    // Street zoom: one icon per category (the group's colour and the name's initials), drawn on a
    // canvas here because the platform serves no sprite or glyph files.
    for (const [code, info] of Object.entries(config.index)) map.addImage(`cat-${code}`, categoryIcon(info), { pixelRatio: 1.5 });
    map.addLayer({
      id: "points", type: "symbol", source: "reports", "source-layer": "reports", filter: ["has", "category"],
      layout: {
        "icon-image": ["concat", "cat-", ["get", "category"]],
        "icon-size": ["interpolate", ["linear"], ["get", "count"], 1, 1, 10, 1.4],
        "icon-allow-overlap": true,
      },
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
