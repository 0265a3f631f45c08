// mockango dashboard: the asset page. Zoom the image with its labels (one SVG, so shapes stay
// on their pixels at any size), show or hide a layer (pre-label, task answer), and highlight an
// object's shape while its row is hovered.
"use strict";

const ZOOM_STEP = 1.5;

function assetView() {
  const view = document.getElementById("asset-view");
  if (!view) return;
  const natural = Number(view.dataset.width) || 640;
  const level = document.getElementById("zoom-level");
  let zoom = null; // null: fit the page's width

  const apply = () => {
    view.style.width = zoom === null ? "100%" : `${Math.round(natural * zoom)}px`;
    view.classList.toggle("fit", zoom === null);
    level.textContent = zoom === null ? "fit" : `${Math.round(zoom * 100)}%`;
  };
  const current = () => (zoom === null ? view.getBoundingClientRect().width / natural : zoom);
  document.querySelectorAll("[data-zoom]").forEach((button) => {
    button.addEventListener("click", () => {
      const how = button.dataset.zoom;
      if (how === "fit") zoom = null;
      else if (how === "in") zoom = Math.min(current() * ZOOM_STEP, 16);
      else if (how === "out") zoom = Math.max(current() / ZOOM_STEP, 0.05);
      else zoom = Number(how);
      apply();
    });
  });
  apply();

  document.querySelectorAll("[data-layer-toggle]").forEach((box) => {
    const name = box.dataset.layerToggle;
    box.addEventListener("change", () => {
      view.querySelectorAll(`[data-layer="${name}"]`).forEach((drawn) => drawn.classList.toggle("off", !box.checked));
    });
  });

  document.querySelectorAll("#objects tr[data-shape]").forEach((row) => {
    const shape = view.querySelector(`[data-shape="${row.dataset.shape}"]`);
    if (!shape) return;
    row.addEventListener("mouseenter", () => shape.classList.add("hover"));
    row.addEventListener("mouseleave", () => shape.classList.remove("hover"));
  });
}

document.addEventListener("DOMContentLoaded", assetView);
