// Report flow, improved: one step per screen, a map to pin the place (pointer, keyboard or GPS), the
// locality shown as the pin moves, nearby reports to support instead of duplicating, photos resized
// before upload with progress, and a queue on the device (IndexedDB) for reports written offline,
// sent later with their Idempotency-Key so a retry never files twice. Without this module the same
// form posts to the server as one page.
const config = JSON.parse(document.getElementById("report-config").textContent);
const T = config.messages;
const form = document.getElementById("report-form");
const steps = [...form.querySelectorAll(".step")];
const lat = form.elements.lat;
const lon = form.elements.lon;
const whereStatus = document.getElementById("where-status");
const errorsBox = document.getElementById("js-errors");
const PHOTO_SIDE = 1600;
const QUEUE_BUDGET = 3 * 1024 * 1024; // bytes of photos kept per queued report
let current = 0;
let located = null; // {ok, text}
let resized = []; // Blob per chosen photo, already resized
let idempotencyKey = null;

document.body.classList.add("js-flow");
for (const el of document.querySelectorAll(".js-only")) el.hidden = false;

// --- steps ---------------------------------------------------------------------------------------
function show(index, focus = true) {
  current = index;
  errorsBox.hidden = true;
  steps.forEach((step, i) => step.classList.toggle("current", i === index));
  const heading = steps[index].querySelector("h2");
  if (focus && heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
  if (steps[index].id === "step-where" && pickMap) pickMap.resize();
}

function say(element, text, bad = false) {
  element.textContent = text;
  element.classList.toggle("bad", bad);
}

function chosenCategory() {
  const input = form.querySelector("input[name=category]:checked");
  return input ? input.value : "";
}

async function next() {
  const step = steps[current];
  if (step.id === "step-where") {
    if (located && !located.ok) return say(whereStatus, located.text, true);
    if (!(lat.value && lon.value) && !form.elements.upz.value) return say(whereStatus, T.where_missing, true);
  }
  if (step.id === "step-what") {
    const code = chosenCategory();
    if (!code) return showErrors([T.what_missing]);
    if (config.index[code]?.sensitive && !document.getElementById("sensitive-ack").checked) {
      return showErrors([T.sensitive_ack]);
    }
    hideErrors();
    if (config.index[code]?.sensitive || !(lat.value && lon.value)) return show(current + 2);
    await loadNearby(code);
  }
  show(current + 1);
}

function back() {
  const code = chosenCategory();
  const skipNearby = steps[current].id === "step-details" && (config.index[code]?.sensitive || !(lat.value && lon.value));
  show(Math.max(0, current - (skipNearby ? 2 : 1)));
}

form.addEventListener("click", (event) => {
  if (event.target.closest("[data-next]")) next();
  if (event.target.closest("[data-back]")) back();
});

function showErrors(list) {
  errorsBox.replaceChildren();
  const title = document.createElement("h2");
  title.textContent = T.check;
  const ul = document.createElement("ul");
  for (const text of list) {
    const li = document.createElement("li");
    li.textContent = text;
    ul.append(li);
  }
  errorsBox.append(title, ul);
  errorsBox.hidden = false;
  errorsBox.focus();
}

function hideErrors() {
  errorsBox.hidden = true;
}

// Sensitive notice: shown when a sensitive category is chosen.
const notice = document.getElementById("sensitive-notice");
function updateNotice() {
  const input = form.querySelector("input[name=category]:checked");
  const sensitive = Boolean(input && config.index[input.value]?.sensitive);
  notice.hidden = !sensitive;
  if (sensitive) input.closest(".choice").after(notice); // read right below the choice, before going on
}
form.addEventListener("change", (event) => {
  if (event.target.name === "category") updateNotice();
});
updateNotice();

// --- where: the map -----------------------------------------------------------------------------
let pickMap = null;
let marker = null;

async function locate(lngLat) {
  lon.value = lngLat.lng.toFixed(6);
  lat.value = lngLat.lat.toFixed(6);
  say(whereStatus, T.locating);
  try {
    const response = await fetch(`/api/locate/?lat=${lat.value}&lon=${lon.value}`, { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => ({}));
    if (response.ok && body.locality) {
      const upz = body.upz ? ` · UPZ ${body.upz.name}` : "";
      located = { ok: true, text: `${body.locality.name}${upz}` };
      say(whereStatus, `${T.place_is} ${located.text}`);
    } else {
      located = { ok: false, text: T.outside };
      say(whereStatus, located.text, true);
    }
  } catch {
    located = null; // offline: checked by the server when the report is sent
    say(whereStatus, T.offline_locate);
  }
}

function placePin(lngLat) {
  if (!marker) {
    marker = new maplibregl.Marker({ draggable: true, color: "#0b4f8a" }).setLngLat(lngLat).addTo(pickMap);
    marker.on("dragend", () => locate(marker.getLngLat()));
  } else {
    marker.setLngLat(lngLat);
  }
  locate(marker.getLngLat());
}

function startMap() {
  const el = document.getElementById("pick-map");
  if (!window.maplibregl || !el) return;
  maplibregl.setWorkerUrl(document.getElementById("maplibre").dataset.worker);
  const style = { version: 8, sources: {}, layers: [{ id: "bg", type: "background", paint: { "background-color": "#eef1f4" } }] };
  if (config.basemap) {
    style.sources.basemap = { type: "raster", tiles: [config.basemap], tileSize: 256, attribution: "© OpenStreetMap" };
    style.layers.push({ id: "basemap", type: "raster", source: "basemap" });
  }
  for (const level of ["localities", "upz"]) {
    style.sources[level] = { type: "vector", tiles: [`${location.origin}/api/maps/tiles/${level}/{z}/{x}/{y}.mvt`], maxzoom: 14 };
  }
  style.layers.push({ id: "upz", type: "line", source: "upz", "source-layer": "upz", minzoom: 12, paint: { "line-color": "#8a949c", "line-width": 0.8 } });
  style.layers.push({ id: "localities", type: "line", source: "localities", "source-layer": "localities", paint: { "line-color": "#4a545c", "line-width": 1.5 } });
  pickMap = new maplibregl.Map({ container: el, style, bounds: [[-74.23, 4.46], [-73.99, 4.84]], keyboard: false, maxZoom: 19, attributionControl: { compact: true } });
  pickMap.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  pickMap.on("click", (event) => placePin(event.lngLat));
  // Keyboard: arrows move the pin (placed at the centre on the first key), + and − zoom.
  el.addEventListener("keydown", (event) => {
    const moves = { ArrowUp: [0, -12], ArrowDown: [0, 12], ArrowLeft: [-12, 0], ArrowRight: [12, 0] };
    if (event.key === "+" || event.key === "=") pickMap.zoomIn();
    else if (event.key === "-" || event.key === "−") pickMap.zoomOut();
    else if (moves[event.key]) {
      const from = marker ? pickMap.project(marker.getLngLat()) : pickMap.project(pickMap.getCenter());
      const [dx, dy] = marker ? moves[event.key] : [0, 0];
      const to = pickMap.unproject([from.x + dx, from.y + dy]);
      if (!pickMap.getBounds().contains(to)) pickMap.panTo(to);
      if (!marker) placePin(to);
      else {
        marker.setLngLat(to);
        clearTimeout(el.locateTimer);
        el.locateTimer = setTimeout(() => locate(to), 350);
      }
    } else return;
    event.preventDefault();
  });
  if (lat.value && lon.value) {
    const lngLat = { lng: Number(lon.value), lat: Number(lat.value) };
    pickMap.on("load", () => {
      placePin(lngLat);
      pickMap.jumpTo({ center: lngLat, zoom: 15 });
    });
  }
  window.conviveMap = pickMap;
}

// Picking a UPZ from the list moves the map and the pin inside it; arrows or a tap then refine it.
form.elements.upz.addEventListener("change", () => {
  const point = config.upz_points[form.elements.upz.value];
  if (!point || !pickMap) return;
  const lngLat = { lng: point[0], lat: point[1] };
  pickMap.jumpTo({ center: lngLat, zoom: 15 });
  placePin(lngLat);
});

document.getElementById("geolocate").addEventListener("click", () => {
  if (!navigator.geolocation) return say(whereStatus, T.no_gps, true);
  say(whereStatus, T.gps_wait);
  navigator.geolocation.getCurrentPosition(
    (position) => {
      const lngLat = { lng: position.coords.longitude, lat: position.coords.latitude };
      pickMap?.jumpTo({ center: lngLat, zoom: 16 });
      if (pickMap) placePin(lngLat);
      else locate(lngLat);
      setTimeout(() => {
        if (located?.ok) say(whereStatus, `${T.place_is} ${located.text} (${T.accuracy} ${Math.round(position.coords.accuracy)} m)`);
      }, 600);
    },
    () => say(whereStatus, T.gps_denied, true),
    { enableHighAccuracy: true, timeout: 15000 },
  );
});

// --- already reported? --------------------------------------------------------------------------
async function loadNearby(code) {
  const list = document.getElementById("nearby-list");
  const status = document.getElementById("nearby-status");
  const button = document.querySelector("#step-nearby [data-next]");
  list.replaceChildren();
  try {
    const url = `/api/reports/nearby/?lat=${lat.value}&lon=${lon.value}&category=${encodeURIComponent(code)}`;
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json();
    const features = response.ok ? body.features || [] : [];
    for (const feature of features.slice(0, 5)) list.append(nearbyItem(feature));
    status.textContent = features.length ? T.nearby_found : T.nearby_none;
    button.textContent = features.length ? T.nearby_other : T.continue;
  } catch {
    status.textContent = T.nearby_offline;
    button.textContent = T.continue;
  }
}

function nearbyItem(feature) {
  const p = feature.properties;
  const li = document.createElement("li");
  li.className = "card";
  const title = document.createElement("strong");
  title.textContent = `${p.category_name || config.index[p.category]?.name || p.category} · ${p.status_label || ""}`;
  const meta = document.createElement("p");
  meta.className = "meta";
  meta.textContent = `${T.at} ${Math.round(p.distance_m ?? 0)} m · ${p.support_count} ${T.supports}`;
  const text = document.createElement("p");
  text.textContent = p.description || ""; // text, never markup
  const support = document.createElement("button");
  support.type = "submit";
  support.className = "button primary";
  support.formAction = `/reportes/${feature.id}/apoyar/`;
  support.formNoValidate = true;
  support.textContent = T.me_too;
  const link = document.createElement("a");
  link.href = `/reportes/${feature.id}/`;
  link.textContent = T.view;
  li.append(title, meta, text, support, " ", link);
  return li;
}

// --- details: photos ----------------------------------------------------------------------------
const photoInput = form.elements.photos;
const photoList = document.getElementById("photo-list");

async function resize(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.82));
}

photoInput.addEventListener("change", async () => {
  const files = [...photoInput.files];
  if (files.length > 3) showErrors([T.too_many_photos]);
  resized = [];
  photoList.replaceChildren();
  for (const file of files.slice(0, 3)) {
    try {
      const blob = await resize(file);
      resized.push(blob);
      const li = document.createElement("li");
      const img = document.createElement("img");
      img.src = URL.createObjectURL(blob);
      img.alt = `${T.photo} ${resized.length} (${Math.round(blob.size / 1024)} KB)`;
      li.append(img);
      photoList.append(li);
    } catch {
      showErrors([`${file.name}: ${T.bad_photo}`]);
    }
  }
});

// --- sending and the offline queue -------------------------------------------------------------
function fields() {
  const data = new FormData(form);
  const contact = {
    name: data.get("contact_name") || "",
    email: data.get("contact_email") || "",
    phone: data.get("contact_phone") || "",
    consent: data.get("contact_consent") === "on",
  };
  const when = data.get("occurred_at");
  const out = {
    category: data.get("category") || "",
    description: data.get("description") || "",
    lon: lon.value,
    lat: lat.value,
    channel: "web",
  };
  if (when) out.occurred_at = `${when}:00-05:00`; // the form's local time is Bogotá's (UTC−5, no DST)
  if (contact.name || contact.email || contact.phone) out.contact = JSON.stringify(contact);
  return out;
}

function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function send(item, onProgress) {
  return new Promise((resolve) => {
    const body = new FormData();
    for (const [name, value] of Object.entries(item.fields)) body.append(name, value);
    item.photos.forEach((blob, i) => body.append("photos", blob, `foto-${i + 1}.jpg`));
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/reports/");
    xhr.setRequestHeader("Idempotency-Key", item.key);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", form.elements.csrfmiddlewaretoken.value);
    if (onProgress) xhr.upload.addEventListener("progress", (e) => e.lengthComputable && onProgress((100 * e.loaded) / e.total));
    xhr.onload = () => {
      let json = {};
      try {
        json = JSON.parse(xhr.responseText);
      } catch {}
      resolve({ status: xhr.status, body: json });
    };
    xhr.onerror = () => resolve({ status: 0, body: {} });
    xhr.send(body);
  });
}

function messagesOf(body) {
  const list = [];
  for (const [key, value] of Object.entries(body || {})) {
    if (key === "code") continue;
    const texts = Array.isArray(value) ? value : typeof value === "object" ? Object.values(value).flat() : [value];
    list.push(...texts.map(String));
  }
  return list.length ? list : [T.server_error];
}

form.addEventListener("submit", async (event) => {
  if (event.submitter && event.submitter.formAction && !event.submitter.formAction.endsWith("/reportar/")) return; // "Yo también"
  if (!(lat.value && lon.value)) return; // UPZ chosen from the list: the server finds the point
  event.preventDefault();
  const item = { key: (idempotencyKey ||= newKey()), fields: fields(), photos: resized, created: Date.now(), state: "pendiente" };
  if (!navigator.onLine) return queue(item);
  const progress = document.getElementById("upload-progress");
  const button = document.getElementById("submit-report");
  button.disabled = true;
  progress.hidden = false;
  const result = await send(item, (pct) => { progress.value = pct; });
  button.disabled = false;
  progress.hidden = true;
  if (result.status === 201 || result.status === 200) {
    location.href = `/reportar/listo/${result.body.tracking_code}/`;
  } else if (result.status === 0) {
    queue(item);
  } else {
    showErrors(messagesOf(result.body));
  }
});

// IndexedDB: one store of queued reports, keyed by their Idempotency-Key.
function db() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open("convive-bogota", 1);
    request.onupgradeneeded = () => request.result.createObjectStore("reports", { keyPath: "key" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function store(mode, action) {
  const handle = await db();
  return new Promise((resolve, reject) => {
    const tx = handle.transaction("reports", mode);
    const request = action(tx.objectStore("reports"));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error);
  });
}

async function queue(item) {
  let size = item.photos.reduce((sum, blob) => sum + blob.size, 0);
  while (size > QUEUE_BUDGET && item.photos.length) size -= item.photos.pop().size;
  await store("readwrite", (s) => s.put(item));
  idempotencyKey = null;
  form.reset();
  resized = [];
  photoList.replaceChildren();
  marker?.remove();
  marker = null;
  located = null;
  say(whereStatus, "");
  updateNotice();
  await renderQueue();
  document.getElementById("queue").focus?.();
  show(0, false);
  document.getElementById("queue-title").scrollIntoView();
}

async function renderQueue() {
  const items = await store("readonly", (s) => s.getAll());
  const box = document.getElementById("queue");
  const list = document.getElementById("queue-list");
  list.replaceChildren();
  for (const item of items.sort((a, b) => a.created - b.created)) {
    const li = document.createElement("li");
    li.dataset.state = item.state;
    const name = config.index[item.fields.category]?.name || item.fields.category;
    const label = { pendiente: T.pending, enviado: T.sent, error: T.error }[item.state];
    li.textContent = `${name} · ${new Date(item.created).toLocaleString("es-CO")} — ${label}`;
    if (item.code) {
      const link = document.createElement("a");
      link.href = `/seguimiento/${item.code}/`;
      link.textContent = `${T.code} ${item.code}`;
      li.append(" ", link);
    }
    if (item.reason) li.append(` (${item.reason})`);
    list.append(li);
  }
  box.hidden = items.length === 0;
}

let syncing = false;
async function sync() {
  if (syncing || !navigator.onLine) return;
  syncing = true;
  try {
    const items = await store("readonly", (s) => s.getAll());
    for (const item of items.filter((i) => i.state === "pendiente")) {
      const result = await send(item);
      if (result.status === 201 || result.status === 200) Object.assign(item, { state: "enviado", code: result.body.tracking_code, reason: "" });
      else if (result.status === 400 || result.status === 422) Object.assign(item, { state: "error", reason: messagesOf(result.body).join(" ") });
      else continue; // offline again, throttled or server trouble: stays pending
      await store("readwrite", (s) => s.put(item));
    }
  } finally {
    syncing = false;
    await renderQueue();
  }
}

window.addEventListener("online", sync);
startMap();
const firstError = steps.findIndex((step) => step.querySelector(".error, .has-error"));
const hasNearby = document.querySelectorAll("#nearby-list li").length > 0;
show(firstError >= 0 ? firstError : hasNearby ? 2 : 0, false);
renderQueue().then(sync).catch(() => {});
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(() => {});
