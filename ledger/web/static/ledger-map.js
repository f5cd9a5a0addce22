// The map of claims: one circle per place, clusters of nearby places, each circle counting
// claims (a claim about two places in one cluster counts once) with a ring divided by status.
// Leaflet and its marker-cluster plugin come from datasette-leaflet and datasette-cluster-map;
// the rows are the page's own query, as JSON.

const element = document.getElementById("ledger-map");

function loadCss(href) {
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  document.head.appendChild(link);
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// A ring divided by status around the number of claims.
function ring(counts, statuses, total) {
  const size = Math.round(28 + Math.min(26, Math.sqrt(total) * 3.2));
  const radius = 15.9155; // a circumference of 100, so dash lengths are percentages
  let offset = 25; // start at twelve o'clock
  const arcs = statuses
    .filter((s) => counts[s.id])
    .map((s) => {
      const share = (100 * counts[s.id]) / total;
      const arc = `<circle r="${radius}" cx="21" cy="21" fill="none" stroke="${s.colour}" stroke-width="6" stroke-dasharray="${share} ${100 - share}" stroke-dashoffset="${offset}"/>`;
      offset -= share;
      return arc;
    })
    .join("");
  const html =
    `<svg width="${size}" height="${size}" viewBox="0 0 42 42" aria-hidden="true">` +
    `<circle r="18.5" cx="21" cy="21" fill="#fff" stroke="#37474f" stroke-width="0.8"/>${arcs}` +
    `<text x="21" y="25.5" text-anchor="middle" font-size="${total > 99 ? 11 : 13}" font-weight="700" fill="#263238" font-family="sans-serif">${total}</text></svg>`;
  return { html, size };
}

function countsOf(claims) {
  const counts = {};
  for (const status of claims.values()) counts[status] = (counts[status] || 0) + 1;
  return counts;
}

function popup(title, link, claims, statuses, claimsUrl, through) {
  const counts = countsOf(claims);
  const items = statuses
    .filter((s) => counts[s.id])
    .map((s) => {
      const label = `${counts[s.id]} ${escapeHtml(s.label.toLowerCase())}`;
      if (!through) return `<li><span class="ledger-status ledger-status-${s.id}">${escapeHtml(s.label)}</span> ${counts[s.id]}</li>`;
      const href = `${claimsUrl}?_through=${encodeURIComponent(JSON.stringify(through))}&status=${s.id}`;
      return `<li><a href="${href}"><span class="ledger-status ledger-status-${s.id}">${escapeHtml(s.label)}</span></a> <span class="ledger-visually-hidden">${label}</span>${counts[s.id]}</li>`;
    })
    .join("");
  const heading = link ? `<a href="${link}">${escapeHtml(title)}</a>` : escapeHtml(title);
  return `<div class="ledger-map-popup"><p><strong>${heading}</strong></p><p>${claims.size} claim${claims.size === 1 ? "" : "s"}, by status:</p><ul>${items}</ul></div>`;
}

async function draw() {
  const statuses = JSON.parse(element.dataset.statuses);
  const claimsUrl = element.dataset.claimsUrl;
  const placesUrl = element.dataset.placesUrl;
  loadCss(datasette.leaflet.CSS_URL);
  loadCss(datasette.cluster_map.MARKERCLUSTER_CSS_URL);
  await import(datasette.leaflet.JAVASCRIPT_URL);
  await import(datasette.cluster_map.MARKERCLUSTER_URL);
  const json = location.pathname + ".json" + (location.search ? location.search + "&" : "?") + "_shape=objects&_size=max";
  const rows = (await (await fetch(json)).json()).rows;

  const map = L.map(element, { scrollWheelZoom: false });
  L.tileLayer(
    window.DATASETTE_CLUSTER_MAP_TILE_LAYER || "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
    window.DATASETTE_CLUSTER_MAP_TILE_LAYER_OPTIONS || { maxZoom: 19 }
  ).addTo(map);
  const clusters = L.markerClusterGroup({
    maxClusterRadius: 40,
    showCoverageOnHover: false,
    iconCreateFunction(cluster) {
      const claims = new Map();
      for (const marker of cluster.getAllChildMarkers()) {
        for (const [id, status] of marker.options.claims) claims.set(id, status);
      }
      const { html, size } = ring(countsOf(claims), statuses, claims.size);
      return L.divIcon({ html, className: "ledger-map-marker ledger-map-cluster", iconSize: [size, size] });
    },
  });
  for (const row of rows) {
    if (row.latitude == null || row.longitude == null) continue;
    const list = typeof row.claim_statuses === "string" ? JSON.parse(row.claim_statuses) : row.claim_statuses || [];
    const claims = new Map(list.map((c) => [c.id, c.status]));
    const { html, size } = ring(countsOf(claims), statuses, claims.size);
    const marker = L.marker([row.latitude, row.longitude], {
      claims,
      title: `${row.name}: ${claims.size} claims`,
      icon: L.divIcon({ html, className: "ledger-map-marker", iconSize: [size, size] }),
    });
    const through = { table: "claim_places", column: "place_id", value: row.place_id };
    marker.bindPopup(popup(row.name, `${placesUrl}/${encodeURIComponent(row.place_id)}`, claims, statuses, claimsUrl, through));
    clusters.addLayer(marker);
  }
  map.addLayer(clusters);
  if (clusters.getLayers().length) map.fitBounds(clusters.getBounds(), { padding: [20, 20] });
  element.dataset.markers = String(clusters.getLayers().length);
}

if (element) {
  draw().catch((error) => {
    element.textContent = "The map could not be drawn: " + error;
  });
}
