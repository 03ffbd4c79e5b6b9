// A local stand-in for Cloudflare Access's issuer: the same protocol as
// https://<team>.cloudflareaccess.com, for tests and `npm run dev`. It publishes its RS256 keys at
// GET /cdn-cgi/access/certs (JWKS) and signs tokens with the claims Access puts in
// Cf-Access-Jwt-Assertion (iss, aud, email, sub, iat, exp). Steering endpoints, local only:
//   POST /__token {"email", "aud", "expires_in"?, "kid"?, "forge"?} → {"token"}; "forge": true signs with a
//        key that is not published, under a published kid (a bad signature);
//   POST /__rotate → {"kid"}: a new signing key, published from now on (tokens of the old one stay valid);
//   POST /__unpublished_kid → {"token"} needs "email","aud": signed by a key whose kid is never published;
//   GET /__stats → {"jwks_fetches"}.
import http from "node:http";
import { exportJWK, generateKeyPair, SignJWT } from "jose";

async function newKey(n) {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  return { kid: `stand-in-${n}-${Date.now()}`, publicKey, privateKey };
}

/** Starts the issuer on 127.0.0.1:`port` (0 = any free port). */
export async function startAccessIssuer(port = 0) {
  let n = 0;
  const published = [await newKey(++n)];
  const stranger = await newKey(++n);
  let jwksFetches = 0;
  let origin = "";

  const sign = async (key, kid, { email, aud, expires_in = 300 }) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ email, type: "app", identity_nonce: "stand-in" })
      .setProtectedHeader({ alg: "RS256", kid })
      .setIssuer(origin)
      .setAudience(aud)
      .setSubject(`sub-${email}`)
      .setIssuedAt(now)
      .setExpirationTime(now + expires_in)
      .sign(key.privateKey);
  };

  const readJson = (req) =>
    new Promise((resolve) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => resolve(body ? JSON.parse(body) : {}));
    });
  const send = (res, status, value) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));

  const server = http.createServer(async (req, res) => {
    try {
      if (req.method === "GET" && req.url === "/cdn-cgi/access/certs") {
        jwksFetches++;
        const keys = await Promise.all(
          published.map(async (k) => ({ ...(await exportJWK(k.publicKey)), kid: k.kid, alg: "RS256", use: "sig" })),
        );
        return send(res, 200, { keys, public_cert: { kid: published[0].kid }, public_certs: [] });
      }
      if (req.method === "GET" && req.url === "/__stats") return send(res, 200, { jwks_fetches: jwksFetches });
      if (req.method === "POST" && req.url === "/__rotate") {
        const key = await newKey(++n);
        published.push(key);
        return send(res, 200, { kid: key.kid });
      }
      if (req.method === "POST" && req.url === "/__token") {
        const claims = await readJson(req);
        const current = published.at(-1);
        const token = claims.forge
          ? await sign(stranger, current.kid, claims)
          : await sign(current, current.kid, claims);
        return send(res, 200, { token });
      }
      if (req.method === "POST" && req.url === "/__unpublished_kid") {
        return send(res, 200, { token: await sign(stranger, stranger.kid, await readJson(req)) });
      }
      send(res, 404, { error: "not found" });
    } catch (err) {
      send(res, 500, { error: String(err) });
    }
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(undefined)));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : port}`;
  return {
    origin,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
