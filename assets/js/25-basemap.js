/* Place-finding maps (Leaflet): a base layer from the configured tile source (json_script
   "basemap-config", see grids/basemap.py), the boundaries drawn on top with their names as labels,
   and, without a source or when the tiles fail, the boundaries alone with a short note.
   Data is WGS-84; tiles in GCJ-02 get shapes converted when drawn and taps converted back. */
(function () {
  "use strict";
  const G = (window.Grassroots = window.Grassroots || {});

  // GCJ-02 <-> WGS-84, the same formula as grids/coords.py (inverse by fixed-point iteration).
  const A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;
  function outOfChina(lng, lat) { return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271; }
  function tLat(x, y) {
    let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    r += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    return r;
  }
  function tLng(x, y) {
    let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    r += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    return r;
  }
  const coords = (G.coords = {
    wgs84ToGcj02: function (lng, lat) {
      if (outOfChina(lng, lat)) return [lng, lat];
      let dLat = tLat(lng - 105.0, lat - 35.0), dLng = tLng(lng - 105.0, lat - 35.0);
      const rad = lat / 180.0 * PI;
      const magic = 1 - EE * Math.sin(rad) * Math.sin(rad), sq = Math.sqrt(magic);
      dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sq) * PI);
      dLng = (dLng * 180.0) / (A / sq * Math.cos(rad) * PI);
      return [lng + dLng, lat + dLat];
    },
    gcj02ToWgs84: function (lng, lat) {
      let w = [lng, lat];
      for (let i = 0; i < 30; i++) {
        const f = coords.wgs84ToGcj02(w[0], w[1]);
        const e = [f[0] - lng, f[1] - lat];
        w = [w[0] - e[0], w[1] - e[1]];
        if (Math.abs(e[0]) < 1e-10 && Math.abs(e[1]) < 1e-10) break;
      }
      return w;
    },
  });

  let config = null;
  G.basemapConfig = function () {
    if (!config) config = G.readJson("basemap-config") || { layers: [], crs: "wgs84", offlineNote: "离线底图不可用，仅显示边界", maxZoom: 18, errorLimit: 4 };
    return config;
  };

  // Data (WGS-84) -> drawing system, and back for a tap.
  function toMap(lng, lat) { return G.basemapConfig().crs === "gcj02" ? coords.wgs84ToGcj02(lng, lat) : [lng, lat]; }
  function fromMap(lng, lat) { return G.basemapConfig().crs === "gcj02" ? coords.gcj02ToWgs84(lng, lat) : [lng, lat]; }
  G.basemapFromMap = fromMap;

  function convertGeometry(geom) {
    const ring = (r) => r.map((p) => toMap(p[0], p[1]));
    if (!geom) return geom;
    if (geom.type === "Polygon") return { type: "Polygon", coordinates: geom.coordinates.map(ring) };
    if (geom.type === "MultiPolygon") return { type: "MultiPolygon", coordinates: geom.coordinates.map((p) => p.map(ring)) };
    if (geom.type === "Point") return { type: "Point", coordinates: toMap(geom.coordinates[0], geom.coordinates[1]) };
    return geom;
  }

  function offline(el, map) {
    if (el.dataset.basemap === "offline") return;
    el.dataset.basemap = "offline";
    el.classList.add("basemap-offline");
    (map._tileLayers || []).forEach((l) => map.removeLayer(l));
    const note = document.createElement("div");
    note.className = "basemap-note";
    note.setAttribute("data-basemap-note", "");
    note.textContent = G.basemapConfig().offlineNote;
    el.appendChild(note);
  }

  /* G.basemap(el, geojson, opts) -> Leaflet map or null.
     opts.style(feature) -> path style; opts.label(feature) -> permanent name label ("" for none);
     opts.tooltip(feature) -> hover text; opts.click(feature); opts.tap(lng, lat) with WGS-84;
     opts.interactive(feature) -> false for backdrop shapes a tap must go through. */
  G.basemap = function (el, geojson, opts) {
    if (!window.L || el._map) return el._map || null;
    opts = opts || {};
    const cfg = G.basemapConfig();
    const map = L.map(el, { zoomSnap: 0.25, maxZoom: cfg.maxZoom, attributionControl: !!cfg.attribution });
    if (cfg.attribution) map.attributionControl.setPrefix(false).addAttribution(G.escapeHtml(cfg.attribution));
    el._map = map;
    map._tileLayers = [];
    if (cfg.layers && cfg.layers.length) {
      el.dataset.basemap = "tiles";
      let loaded = 0, failed = 0;
      cfg.layers.forEach(function (layer) {
        const t = L.tileLayer(layer.url, { subdomains: layer.subdomains && layer.subdomains.length ? layer.subdomains : "abc", maxZoom: cfg.maxZoom, crossOrigin: false });
        t.on("tileload", function () { loaded++; el.dataset.tilesLoaded = String(loaded); });
        t.on("tileerror", function () {
          failed++;
          if (failed >= (cfg.errorLimit || 4) && loaded === 0) offline(el, map);
        });
        t.addTo(map);
        map._tileLayers.push(t);
      });
    } else {
      offline(el, map);
    }
    const features = ((geojson && geojson.features) || []).filter((f) => f.geometry);
    const drawn = { type: "FeatureCollection", features: features.map((f) => ({ type: "Feature", properties: f.properties, geometry: convertGeometry(f.geometry) })) };
    const layer = L.geoJSON(drawn, {
      style: (f) => Object.assign({ color: "#b91c1c", weight: 1.5, fillColor: "#fde8e8", fillOpacity: 0.25 }, opts.style ? opts.style(f) : {}),
      interactive: true,
      onEachFeature: function (f, l) {
        if (opts.interactive && opts.interactive(f) === false) l.options.interactive = false;
        const name = opts.label ? opts.label(f) : "";
        if (name) l.bindTooltip(G.escapeHtml(name), { permanent: true, direction: "center", className: "basemap-label", interactive: false });
        else if (opts.tooltip) {
          const tip = opts.tooltip(f);
          if (tip) l.bindTooltip(tip, { sticky: true });
        }
        if (opts.click) l.on("click", function (evt) { opts.click(f, evt); });
      },
    }).addTo(map);
    map._shapes = layer;
    // Names only where they fit: a label is shown when its shape is wider on screen than the text.
    function declutter() {
      layer.eachLayer(function (l) {
        const tip = l.getTooltip && l.getTooltip();
        if (!tip || !tip.options.permanent) return;
        const b = l.getBounds();
        const w = map.latLngToContainerPoint(b.getNorthEast()).x - map.latLngToContainerPoint(b.getSouthWest()).x;
        const text = tip.getContent() || "";
        const fits = w >= Math.min(String(text).length, 14) * 11;
        if (fits && !l.isTooltipOpen()) l.openTooltip();
        else if (!fits && l.isTooltipOpen()) l.closeTooltip();
      });
    }
    map.on("zoomend", declutter);
    const bounds = layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [8, 8] });
    else map.setView([35, 105], 4);
    if (opts.tap) {
      map.on("click", function (evt) {
        const p = fromMap(evt.latlng.lng, evt.latlng.lat);
        opts.tap(p[0], p[1]);
      });
    }
    declutter();
    el.dataset.ready = "1";
    // A map inside a tab or a card laid out after load must learn its size.
    setTimeout(function () { map.invalidateSize(); declutter(); }, 0);
    return map;
  };

  // A pin at a WGS-84 point (circle marker: no image files).
  G.basemapPin = function (map, lng, lat) {
    const p = toMap(lng, lat);
    if (map._pin) map._pin.setLatLng([p[1], p[0]]);
    else map._pin = L.circleMarker([p[1], p[0]], { radius: 9, color: "#fff", weight: 3, fillColor: "#d63939", fillOpacity: 1, interactive: false }).addTo(map);
    return map._pin;
  };

  document.addEventListener("shown.bs.tab", function () {
    document.querySelectorAll(".leaflet-container").forEach((el) => el._map && el._map.invalidateSize());
  });
})();
