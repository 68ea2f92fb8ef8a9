// The official Stripe Node SDK, unchanged, against the reference server on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import Stripe from 'stripe';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const KEY = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc';
let server;
let stripe;

before(async () => {
  server = spawn(path.join(root, 'target/debug/stripe-mock'), ['--addr', '127.0.0.1:0']);
  let output = '';
  while (!/http:\/\/\S+/.test(output)) {
    const [chunk] = await once(server.stdout, 'data');
    output += chunk;
  }
  const url = new URL(output.match(/http:\/\/\S+/)[0]);
  stripe = new Stripe(KEY, { host: url.hostname, port: url.port, protocol: 'http', maxNetworkRetries: 0 });
});

after(() => server.kill());

test('customer CRUD', async () => {
  const customer = await stripe.customers.create({ email: 'jenny@example.com', metadata: { a: '1' } });
  assert.match(customer.id, /^cus_/);
  const updated = await stripe.customers.update(customer.id, { metadata: { a: '', b: '2' } });
  assert.deepEqual(updated.metadata, { b: '2' });
  const deleted = await stripe.customers.del(customer.id);
  assert.equal(deleted.deleted, true);
  await assert.rejects(stripe.customers.retrieve(customer.id), (err) => {
    assert.equal(err.type, 'StripeInvalidRequestError');
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'resource_missing');
    return true;
  });
});

test('charges with expand, nested expand and refunds', async () => {
  const customer = await stripe.customers.create({ email: 'buyer@example.com', source: 'tok_visa' });
  const charge = await stripe.charges.create({ amount: 2000, currency: 'usd', customer: customer.id, expand: ['customer'] });
  assert.equal(charge.customer.email, 'buyer@example.com');
  const refund = await stripe.refunds.create({ charge: charge.id });
  assert.equal(refund.amount, 2000);
  const listed = await stripe.charges.list({ limit: 100, expand: ['data.invoice.subscription'] });
  const seeded = listed.data.find((c) => c.invoice);
  assert.equal(seeded.invoice.subscription.object, 'subscription');
});

test('idempotent replay and mismatch', async () => {
  const first = await stripe.customers.create({ email: 'once@example.com' }, { idempotencyKey: 'node-key-1' });
  const again = await stripe.customers.create({ email: 'once@example.com' }, { idempotencyKey: 'node-key-1' });
  assert.equal(first.id, again.id);
  await assert.rejects(
    stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey: 'node-key-1' }),
    (err) => err.type === 'StripeIdempotencyError',
  );
});

test('auto-pagination', async () => {
  const customer = await stripe.customers.create({ source: 'tok_visa' });
  const created = [];
  for (let i = 0; i < 5; i++) {
    created.push((await stripe.charges.create({ amount: 100 + i, currency: 'usd', customer: customer.id })).id);
  }
  const seen = [];
  for await (const charge of stripe.charges.list({ limit: 2, customer: customer.id })) {
    seen.push(charge.id);
  }
  assert.deepEqual(seen, created.reverse());
});

test('typed errors', async () => {
  await assert.rejects(stripe.charges.create({ amount: 2000, currency: 'usd', source: 'tok_chargeDeclined' }), (err) => {
    assert.equal(err.type, 'StripeCardError');
    assert.equal(err.code, 'card_declined');
    assert.equal(err.decline_code, 'generic_decline');
    assert.match(err.requestId, /^req_/);
    return true;
  });
  await assert.rejects(stripe.charges.create({ currency: 'usd', source: 'tok_visa' }), (err) => {
    assert.equal(err.type, 'StripeInvalidRequestError');
    assert.equal(err.param, 'amount');
    return true;
  });
  const anonymous = new Stripe('not_a_key', { host: stripe._api.host, port: stripe._api.port, protocol: 'http', maxNetworkRetries: 0 });
  await assert.rejects(anonymous.customers.list(), (err) => err.type === 'StripeAuthenticationError');
});

test('the SDK\'s test header is the one the Rust runtime verifies', () => {
  const fixture = JSON.parse(readFileSync(path.join(root, 'tests/sdk/webhook_signature.json'), 'utf8'));
  const header = stripe.webhooks.generateTestHeaderString({
    payload: fixture.payload, secret: fixture.secret, timestamp: fixture.timestamp,
  });
  assert.equal(header, fixture.header);
});

test('webhooks from the reference server verify with constructEvent', async () => {
  const deliveries = [];
  const receiver = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ body: Buffer.concat(chunks).toString('utf8'), header: request.headers['stripe-signature'] });
      response.end();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  try {
    const url = `http://127.0.0.1:${receiver.address().port}/hooks`;
    const endpoint = await stripe.webhookEndpoints.create({ url, enabled_events: ['customer.created', 'customer.deleted'] });
    assert.match(endpoint.secret, /^whsec_/);
    const customer = await stripe.customers.create({ email: 'node-hooks@example.com' });
    await stripe.customers.update(customer.id, { description: 'not an enabled type' });
    await stripe.customers.del(customer.id);
    for (let i = 0; i < 200 && deliveries.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const events = deliveries.map(({ body, header }) => stripe.webhooks.constructEvent(body, header, endpoint.secret));
    assert.deepEqual(events.map((e) => e.type).sort(), ['customer.created', 'customer.deleted']);
    assert.ok(events.every((e) => e.data.object.id === customer.id));
    assert.throws(() => stripe.webhooks.constructEvent(deliveries[0].body, deliveries[0].header, 'whsec_wrong'),
      (err) => err.type === 'StripeSignatureVerificationError');
    await stripe.webhookEndpoints.del(endpoint.id);
  } finally {
    receiver.close();
  }
});
