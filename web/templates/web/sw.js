{% load static %}// Convive Bogotá service worker: the app shell opens offline, and the last map tiles seen too.
// Pages: network first, the last copy when offline. Tiles: network first, cached copy offline.
// Static files: cache first. Writes (POST) are never touched: the report page queues them itself.
const SHELL = "convive-shell-v1";
const TILES = "convive-tiles-v1";
const MAX_TILES = 400;
const SHELL_URLS = [
  "/", "/reportar/", "/seguimiento/",
  "{% static 'web/css/app.css' %}", "{% static 'web/js/home.js' %}", "{% static 'web/js/report.js' %}",
  "{% static 'web/js/follow.js' %}", "{% static 'web/js/place.js' %}", "{% static 'web/img/icon.svg' %}",
  "{% static 'vendor/maplibre-gl/maplibre-gl-csp.js' %}", "{% static 'vendor/maplibre-gl/maplibre-gl-csp-worker.js' %}",
  "{% static 'vendor/maplibre-gl/maplibre-gl.css' %}", "/manifest.webmanifest",
];
const STATIC_PREFIX = "{% get_static_prefix %}";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_URLS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => ![SHELL, TILES].includes(k)).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

async function networkFirst(request, cacheName, trim) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.put(request, response.clone());
      if (trim) {
        const keys = await cache.keys();
        for (const key of keys.slice(0, Math.max(0, keys.length - MAX_TILES))) await cache.delete(key);
      }
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreVary: true });
    if (cached) return cached;
    if (request.mode === "navigate") {
      const shell = await caches.match(new URL(request.url).pathname.startsWith("/reportar/") ? "/reportar/" : "/");
      if (shell) return shell;
    }
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/cuenta/") || url.pathname.startsWith("/admin/")) return;
  if (url.pathname.startsWith("/api/maps/tiles/")) {
    event.respondWith(networkFirst(request, TILES, true));
  } else if (url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(request, SHELL, false));
  }
});
