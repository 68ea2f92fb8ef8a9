// The official Stripe Node SDK, unchanged, against the `Mock` server generated from the
// official 2023-09-12 spec with Stripe's fixtures (`cargo xtask test` starts it and passes its
// URL in MOCK_URL): stateful CRUD on resources nobody wrote a handler for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The SDK installed for tests/sdk/node.
const here = path.dirname(fileURLToPath(import.meta.url));
const Stripe = createRequire(path.join(here, '../sdk/node/package.json'))('stripe');

const KEY = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc';
assert.ok(process.env.MOCK_URL, 'MOCK_URL must name the running Mock server of the official spec');
const url = new URL(process.env.MOCK_URL);
const stripe = new Stripe(KEY, { host: url.hostname, port: url.port, protocol: 'http', maxNetworkRetries: 0 });

async function gone(promise) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'resource_missing');
    return true;
  });
}

test('products and prices', async () => {
  const product = await stripe.products.create({ name: 'Mug', metadata: { a: '1' } });
  assert.match(product.id, /^prod_/);
  const updated = await stripe.products.update(product.id, { metadata: { a: '', b: '2' }, description: 'Big' });
  assert.deepEqual(updated.metadata, { b: '2' });
  assert.equal(updated.description, 'Big');
  const price = await stripe.prices.create({ product: product.id, unit_amount: 1500, currency: 'usd' });
  assert.match(price.id, /^price_/);
  const expanded = await stripe.prices.retrieve(price.id, { expand: ['product'] });
  assert.equal(expanded.product.name, 'Mug');
  const listed = await stripe.prices.list({ product: product.id });
  assert.deepEqual(listed.data.map((p) => p.id), [price.id]);
  const deleted = await stripe.products.del(product.id);
  assert.equal(deleted.deleted, true);
  await gone(stripe.products.retrieve(product.id));
});

test('payment intents, subscriptions and invoices', async () => {
  const intent = await stripe.paymentIntents.create({ amount: 500, currency: 'eur' });
  assert.match(intent.id, /^pi_/);
  assert.equal((await stripe.paymentIntents.update(intent.id, { amount: 700 })).amount, 700);
  assert.equal((await stripe.paymentIntents.retrieve(intent.id)).amount, 700);
  const customer = await stripe.customers.create({ email: 'node@example.com' });
  const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_x' }] });
  assert.match(subscription.id, /^sub_/);
  const subscriptions = await stripe.subscriptions.list({ customer: customer.id });
  assert.deepEqual(subscriptions.data.map((s) => s.id), [subscription.id]);
  const invoice = await stripe.invoices.create({ customer: customer.id });
  assert.match(invoice.id, /^in_/);
  assert.equal((await stripe.invoices.update(invoice.id, { description: 'd' })).description, 'd');
  assert.equal((await stripe.invoices.del(invoice.id)).deleted, true);
  await gone(stripe.invoices.retrieve(invoice.id));
  // Auto-pagination over stored objects.
  const ids = [];
  for await (const c of stripe.customers.list({ limit: 1, email: 'node@example.com' })) ids.push(c.id);
  assert.deepEqual(ids, [customer.id]);
});
