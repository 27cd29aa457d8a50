import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scrapedMetric, useScrapedMetrics } from '../../src/lib/scraped_metrics.ts';
import { SharedRegistry } from '../../src/lib/shared_registry.ts';

describe('useScrapedMetrics', () => {
  it('registers the metrics once, samples them at scrape time, and unregisters them when a plan stops using them', async () => {
    const r = new SharedRegistry();
    let count = 0;
    let built = 0;
    const use = () =>
      useScrapedMetrics(r, 'demo', () => {
        built++;
        return [scrapedMetric('demo_total', 'Demo.', 'counter', () => [{ labels: { kind: 'a' }, value: count }])];
      });
    use();
    use();
    assert.equal(built, 1, 'a second plan that uses the key reuses the registered metrics');
    count = 3;
    assert.match(await r.metrics.metrics(), /^demo_total\{kind="a"\} 3$/m);
    await r.commit();
    use();
    await r.commit();
    assert.notEqual(r.metrics.getSingleMetric('demo_total'), undefined, 'kept while a plan uses it');
    await r.commit();
    assert.equal(r.metrics.getSingleMetric('demo_total'), undefined, 'gone once no plan uses it');
  });
});
