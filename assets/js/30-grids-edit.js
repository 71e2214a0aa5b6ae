/* Grid polygon editor: plain SVG, no tiles. Drag vertices, click an edge handle to add a vertex,
   double-click a vertex to delete it. The community boundary and sibling grids are the backdrop. */
(function () {
  "use strict";
  const G = (window.Grassroots = window.Grassroots || {});
  const SVG = "http://www.w3.org/2000/svg";

  function rings(geom) {
    if (!geom) return [];
    if (geom.type === "Polygon") return [geom.coordinates];
    if (geom.type === "MultiPolygon") return geom.coordinates;
    return [];
  }

  function el(name, attrs, parent) {
    const e = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach((k) => e.setAttribute(k, attrs[k]));
    if (parent) parent.appendChild(e);
    return e;
  }

  G.initGridEditor = function (box) {
    if (box._editor) return;
    box._editor = true;
    const data = G.readJson(box.dataset.gridEditor);
    const form = document.querySelector("[data-grid-editor-form]");
    const polys = rings(data.grid.polygon);
    if (polys.length !== 1) {
      box.textContent = "该网格由多个多边形组成，请通过导入 GeoJSON 修改边界。";
      if (form) form.querySelector("[type=submit]").disabled = true;
      return;
    }
    const original = JSON.parse(JSON.stringify(polys[0]));
    let outer = original[0].slice(0, -1).map((p) => p.slice());
    const holes = original.slice(1);

    // Bounds over everything drawn, then an equirectangular projection (lng scaled by cos(lat)).
    const all = [];
    [data.grid.polygon, data.parent].concat(data.siblings.map((s) => s.polygon)).forEach(function (g) {
      rings(g).forEach((poly) => poly.forEach((ring) => ring.forEach((p) => all.push(p))));
    });
    let minX = Math.min(...all.map((p) => p[0])), maxX = Math.max(...all.map((p) => p[0]));
    let minY = Math.min(...all.map((p) => p[1])), maxY = Math.max(...all.map((p) => p[1]));
    const padX = (maxX - minX) * 0.05 || 0.001, padY = (maxY - minY) * 0.05 || 0.001;
    minX -= padX; maxX += padX; minY -= padY; maxY += padY;
    const k = Math.cos(((minY + maxY) / 2) * Math.PI / 180);
    const W = 1000, H = Math.max(300, Math.round((W * (maxY - minY)) / ((maxX - minX) * k)));
    const sx = (x) => ((x - minX) / (maxX - minX)) * W;
    const sy = (y) => H - ((y - minY) / (maxY - minY)) * H;
    const ux = (px) => minX + (px / W) * (maxX - minX);
    const uy = (py) => minY + ((H - py) / H) * (maxY - minY);
    const path = (ring) => ring.map((p, i) => (i ? "L" : "M") + sx(p[0]).toFixed(1) + " " + sy(p[1]).toFixed(1)).join(" ") + " Z";

    const svg = el("svg", { viewBox: "0 0 " + W + " " + H, class: "grid-editor-svg", role: "img" }, box);
    rings(data.parent).forEach((poly) => el("path", { d: poly.map(path).join(" "), class: "ge-parent" }, svg));
    data.siblings.forEach(function (s) {
      rings(s.polygon).forEach((poly) => el("path", { d: poly.map(path).join(" "), class: "ge-sibling" }, svg));
    });
    const shape = el("path", { class: "ge-shape", "fill-rule": "evenodd" }, svg);
    const handles = el("g", {}, svg);

    function toSvg(evt) {
      const pt = svg.createSVGPoint();
      pt.x = evt.clientX; pt.y = evt.clientY;
      return pt.matrixTransform(svg.getScreenCTM().inverse());
    }

    function draw() {
      shape.setAttribute("d", [outer.concat([outer[0]])].concat(holes).map(path).join(" "));
      handles.textContent = "";
      outer.forEach(function (p, i) {
        const q = outer[(i + 1) % outer.length];
        const mid = el("rect", { x: sx((p[0] + q[0]) / 2) - 5, y: sy((p[1] + q[1]) / 2) - 5, width: 10, height: 10, class: "ge-mid" }, handles);
        mid.addEventListener("pointerdown", function (evt) {
          evt.preventDefault();
          outer.splice(i + 1, 0, [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2]);
          draw();
          startDrag(i + 1, evt);
        });
      });
      outer.forEach(function (p, i) {
        const c = el("circle", { cx: sx(p[0]), cy: sy(p[1]), r: 9, class: "ge-vertex", "data-index": i }, handles);
        c.addEventListener("pointerdown", (evt) => { evt.preventDefault(); startDrag(i, evt); });
        c.addEventListener("dblclick", function () {
          if (outer.length > 3) { outer.splice(i, 1); draw(); }
        });
      });
      if (form) {
        const ring = outer.map((p) => [Number(p[0].toFixed(7)), Number(p[1].toFixed(7))]);
        form.polygon.value = JSON.stringify({ type: "Polygon", coordinates: [ring.concat([ring[0]])].concat(holes) });
      }
    }

    function startDrag(i, evt) {
      svg.setPointerCapture && svg.setPointerCapture(evt.pointerId);
      function move(e) {
        const p = toSvg(e);
        outer[i] = [ux(p.x), uy(p.y)];
        draw();
      }
      function up() {
        svg.removeEventListener("pointermove", move);
        svg.removeEventListener("pointerup", up);
      }
      svg.addEventListener("pointermove", move);
      svg.addEventListener("pointerup", up);
    }

    draw();
    const reset = document.querySelector("[data-grid-editor-reset]");
    if (reset) reset.addEventListener("click", function () {
      outer = original[0].slice(0, -1).map((p) => p.slice());
      draw();
    });
    box.dataset.ready = "1";
  };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-grid-editor]").forEach(G.initGridEditor);
  });
})();
