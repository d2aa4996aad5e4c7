// A stand-in for the platforms' APIs in the browser tests: Google's consent screen (which
// consents at once), Google's token endpoint, the YouTube APIs and Mailchimp. run.sh points
// Soundcheck's `[api]` settings here. Prints its port on the first line of stdout.
import http from 'node:http';

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://mock');
  const p = url.pathname;
  if (p === '/google/auth') {
    // The user consents: back to Soundcheck's callback with a code and the state it sent.
    const back = new URL(url.searchParams.get('redirect_uri') ?? '');
    back.searchParams.set('state', url.searchParams.get('state') ?? '');
    back.searchParams.set('code', 'e2e-authorization-code');
    res.writeHead(302, { location: back.toString() });
    return res.end();
  }
  if (p === '/google/token' && req.method === 'POST') {
    return json(res, 200, { access_token: 'e2e-access', refresh_token: 'e2e-refresh', expires_in: 3599, token_type: 'Bearer' });
  }
  if (p === '/youtube/v2/reports') {
    // No rows: the dashboard's YouTube figures (demo data) stay as the other tests expect them.
    return json(res, 200, {
      kind: 'youtubeAnalytics#resultTable',
      columnHeaders: ['day', 'views', 'estimatedMinutesWatched', 'subscribersGained', 'subscribersLost', 'estimatedRevenue'].map(
        (name) => ({ name }),
      ),
    });
  }
  if (p === '/youtube/youtube/v3/channels') {
    return json(res, 200, {
      items: [{ id: 'UC-e2e', snippet: { title: 'E2E channel' }, statistics: { viewCount: '1000', subscriberCount: '50', videoCount: '7' } }],
    });
  }
  if (p === '/mailchimp/3.0/reports') {
    return json(res, 200, { reports: [], total_items: 0 });
  }
  json(res, 404, { error: `no mock for ${req.method} ${p}` });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(typeof address === 'object' && address ? address.port : 0);
});
