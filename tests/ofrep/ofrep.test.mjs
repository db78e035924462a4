// The console through OpenFeature's own JavaScript server SDK and OFREP provider (not requests written here), and the
// routing vectors checked by an XxHash64 written in JavaScript from the algorithm's description — an implementation
// independent of the .NET one that wrote the vectors. Needs BASE (the console) and KEY (a key with every scope).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OpenFeature } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';

const BASE = process.env.BASE;
const KEY = process.env.KEY;
assert.ok(BASE && KEY, 'set BASE and KEY');
const suffix = Math.random().toString(16).slice(2, 8);
const canary = `ofrep-canary-${suffix}`;
const still = `ofrep-static-${suffix}`;

async function api(method, path, body) {
  const response = await fetch(BASE + path, {
    method,
    headers: { 'X-Api-Key': KEY, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function family(name, withCanary) {
  await api('POST', '/api/v1/families', { name });
  await api('POST', '/api/v1/bundles', { name: `${name}-v1`, family: name, provider: 'openai', modelId: 'm1', prompt: 'p', config: {} });
  await api('POST', `/api/v1/bundles/${name}-v1/transitions`, { to: 'ACTIVE' });
  if (withCanary) {
    await api('POST', '/api/v1/bundles', { name: `${name}-v2`, family: name, provider: 'openai', modelId: 'm2', prompt: 'p', config: {}, parent: `${name}-v1` });
    await api('POST', `/api/v1/bundles/${name}-v2/transitions`, { to: 'SHADOW', mirrorPercent: 20 });
    await api('POST', `/api/v1/bundles/${name}-v2/transitions`, { to: 'CANARY', percent: 25, reason: 'ofrep test', override: true });
  }
}

let client;
before(async () => {
  await family(canary, true);
  await family(still, false);
  await OpenFeature.setProviderAndWait(new OFREPProvider({ baseUrl: BASE, headers: [['Authorization', `Bearer ${KEY}`]] }));
  client = OpenFeature.getClient('modelconsole-ofrep-test');
});

test('the OpenFeature SDK resolves 1,000 subjects exactly as route does', async () => {
  let canaried = 0;
  for (let i = 0; i < 1000; i++) {
    const targetingKey = `subject-${i}`;
    const details = await client.getStringDetails(canary, 'no-bundle', { targetingKey, plan: 'pro' });
    const route = await api('GET', `/api/v1/families/${canary}/route?subject=${targetingKey}`);
    assert.equal(details.errorCode, undefined, JSON.stringify(details));
    assert.equal(details.value, route.bundle, targetingKey);
    assert.equal(details.reason, 'SPLIT');
    assert.equal(details.variant, route.stage === 'CANARY' ? 'canary' : 'active');
    assert.equal(details.flagMetadata.stage, route.stage);
    assert.equal(details.flagMetadata.routingVersion, route.routingVersion);
    if (route.stage === 'CANARY') canaried++;
  }
  assert.ok(canaried > 150 && canaried < 350, `${canaried} of 1,000 in a 25 % canary`);

  const details = await client.getStringDetails(still, 'no-bundle', { targetingKey: 'anyone' });
  assert.equal(details.value, `${still}-v1`);
  assert.equal(details.reason, 'STATIC');
  assert.equal(details.flagMetadata.modelId, 'm1');
});

test('OFREP errors reach the SDK as OpenFeature error codes, with the default value', async () => {
  const missing = await client.getStringDetails(canary, 'fallback-bundle', {});
  assert.equal(missing.value, 'fallback-bundle');
  assert.equal(missing.errorCode, 'TARGETING_KEY_MISSING');

  const unknown = await client.getStringDetails('no-such-family', 'fallback-bundle', { targetingKey: 'u' });
  assert.equal(unknown.value, 'fallback-bundle');
  assert.equal(unknown.errorCode, 'FLAG_NOT_FOUND');
});

// XxHash64 (seed 0) over BigInt, from the algorithm's published description.
const P1 = 0x9E3779B185EBCA87n, P2 = 0xC2B2AE3D27D4EB4Fn, P3 = 0x165667B19E3779F9n, P4 = 0x85EBCA77C2B2AE63n, P5 = 0x27D4EB2F165667C5n;
const M = (1n << 64n) - 1n;
const rotl = (x, r) => ((x << r) | (x >> (64n - r))) & M;
const round = (acc, lane) => (rotl((acc + lane * P2) & M, 31n) * P1) & M;
const merge = (acc, v) => (((acc ^ round(0n, v)) * P1) + P4) & M;
function xxh64(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  let i = 0;
  let h;
  if (n >= 32) {
    let v1 = (P1 + P2) & M, v2 = P2, v3 = 0n, v4 = (0n - P1) & M;
    for (; i + 32 <= n; i += 32) {
      v1 = round(v1, view.getBigUint64(i, true));
      v2 = round(v2, view.getBigUint64(i + 8, true));
      v3 = round(v3, view.getBigUint64(i + 16, true));
      v4 = round(v4, view.getBigUint64(i + 24, true));
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = P5;
  }
  h = (h + BigInt(n)) & M;
  for (; i + 8 <= n; i += 8) h = ((rotl(h ^ round(0n, view.getBigUint64(i, true)), 27n) * P1) + P4) & M;
  if (i + 4 <= n) { h = ((rotl(h ^ ((BigInt(view.getUint32(i, true)) * P1) & M), 23n) * P2) + P3) & M; i += 4; }
  for (; i < n; i++) h = (rotl(h ^ ((BigInt(bytes[i]) * P5) & M), 11n) * P1) & M;
  h ^= h >> 33n; h = (h * P2) & M; h ^= h >> 29n; h = (h * P3) & M; h ^= h >> 32n;
  return h;
}
const bucket = (salt, subject) => Number(xxh64(new TextEncoder().encode(`${salt}:${subject}`)) % 10000n);
const threshold = (percent) => Math.round(percent * 100);

test('an independent XxHash64 agrees with the published known answer and every routing vector', () => {
  assert.equal(xxh64(new TextEncoder().encode('support-agent:user-42')), 0xd28809f95678b660n);
  const vectors = JSON.parse(readFileSync(new URL('../conformance/routing-vectors.json', import.meta.url)));
  for (const b of vectors.buckets) assert.equal(bucket(b.salt, b.subject), b.bucket, `${b.salt}:${b.subject}`);
  let checked = 0;
  for (const c of vectors.cases) {
    const f = c.family;
    for (const e of c.expect) {
      const s = e.subject;
      assert.equal(bucket(f.name, s), e.buckets.canary, `${c.name}/${s}`);
      assert.equal(bucket(`${f.name}/shadow`, s), e.buckets.shadow, `${c.name}/${s}`);
      if (!f.active) { assert.equal(e.bundle, null); continue; }
      const mirrorTo = f.shadow && bucket(`${f.name}/shadow`, s) < threshold(f.shadow.mirrorPercent) ? f.shadow.bundle : null;
      let bundle = f.active, stage = 'ACTIVE', arm = null;
      if (f.experiment) {
        arm = bucket(f.experiment.id, s) < threshold(f.experiment.splitBPercent) ? 'B' : 'A';
        [bundle, stage] = arm === 'B' ? [f.experiment.armB, 'CANARY'] : [f.experiment.armA, 'ACTIVE'];
      } else if (f.canary && bucket(f.name, s) < threshold(f.canary.percent)) {
        [bundle, stage] = [f.canary.bundle, 'CANARY'];
      }
      assert.deepEqual([bundle, stage, mirrorTo, arm], [e.bundle, e.stage, e.mirrorTo, e.experimentArm], `${c.name}/${s}`);
      assert.equal(f.canary || f.experiment ? 'SPLIT' : 'STATIC', e.reason);
      checked++;
    }
  }
  assert.ok(checked >= 800, `${checked} vectors checked`);
});
