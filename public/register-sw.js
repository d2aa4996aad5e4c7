// Installs Soundcheck's service worker (the app shell offline). Plain JS so it works before the
// WASM has loaded, and on pages that never hydrate.
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch((err) => console.warn('service worker not installed:', err));
  });
}
