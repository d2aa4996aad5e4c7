// Soundcheck's service worker.
//
// - The app shell (WASM, JS, CSS, ECharts, icons, manifest) is cached under a name that changes
//   with every build (`__BUILD__` is replaced by a hash of the files): a new build installs a new
//   cache and the old ones are deleted when it activates.
// - Pages are fetched from the network first; the last copy of each page is kept. Without a
//   network the kept copy is served, marked on <html data-snapshot-at="…"> so the page says it is
//   offline and how old its data is: stale figures are never shown as live.
// - Server functions, the live WebSocket, sign-in and uploads always go to the network.
// - Signing out (the sign-in page) deletes the kept pages.
const VERSION = '__BUILD__';
const SHELL = `soundcheck-shell-${VERSION}`;
const PAGES = 'soundcheck-pages';
const SHELL_FILES = [
  // The bundle's content-hashed names, written in by build-site.sh.
  '__PKG_FILES__',
  '/manifest.webmanifest',
  '/register-sw.js',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/favicon.ico',
];
const NETWORK_ONLY = ['/api/', '/live', '/auth/', '/admin/upload', '/healthz', '/readyz'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith('soundcheck-shell-') && n !== SHELL).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (NETWORK_ONLY.some((p) => url.pathname.startsWith(p))) return;
  if (request.mode === 'navigate') {
    event.respondWith(page(request, url));
  } else if (SHELL_FILES.includes(url.pathname) || url.pathname.startsWith('/pkg/') || url.pathname.startsWith('/icons/')) {
    event.respondWith(shellFile(request));
  }
});

async function shellFile(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(SHELL);
    cache.put(request, response.clone());
  }
  return response;
}

async function page(request, url) {
  if (url.pathname === '/login') {
    // Signed out (or never signed in): keep no one's figures on this device.
    await caches.delete(PAGES);
  }
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected && response.type === 'basic' && url.pathname !== '/login') {
      const cache = await caches.open(PAGES);
      await cache.put(url.pathname + url.search, response.clone());
    }
    return response;
  } catch (err) {
    const cache = await caches.open(PAGES);
    const kept = (await cache.match(url.pathname + url.search)) || (await cache.match('/'));
    if (!kept) return offlinePage();
    const savedAt = kept.headers.get('date') || '';
    const html = (await kept.text()).replace(/<html([^>]*)>/, `<html$1 data-snapshot-at="${savedAt}">`);
    return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } });
  }
}

function offlinePage() {
  const html =
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>Offline · Soundcheck</title><link rel="stylesheet" href="/pkg/soundcheck.css"></head>' +
    '<body><main class="app-main"><section class="card" data-testid="offline-page"><h1>Offline</h1>' +
    '<p>Soundcheck cannot reach its server, and this page was not opened before on this device.</p>' +
    '<p><a href="/">Try again</a></p></section></main></body></html>';
  return new Response(html, { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' } });
}
