import { adaptiveWindow, recentEventLoopUtilization } from '@/lib/chat/coalesce-window';

describe('adaptiveWindow', () => {
  it('stays at the base window while the server is calm and widens to the maximum as it saturates', () => {
    let utilization = 0.1;
    const windowMs = adaptiveWindow({ baseMs: 33, maxMs: 233, utilization: () => utilization });
    expect(windowMs()).toBe(33);
    utilization = 0.5;
    expect(windowMs()).toBe(33);
    utilization = 0.7;
    expect(windowMs()).toBe(133);
    utilization = 0.9;
    expect(windowMs()).toBe(233);
    utilization = 1;
    expect(windowMs()).toBe(233);
    utilization = 0.2; // and narrows again when the load goes
    expect(windowMs()).toBe(33);
  });

  it('is fixed when the maximum is not above the base', () => {
    expect(adaptiveWindow({ baseMs: 33, maxMs: 33, utilization: () => 1 })()).toBe(33);
  });
});

describe('recentEventLoopUtilization', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const spin = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until);
  };

  it('reads high while the event loop is kept busy and low once it idles', async () => {
    const utilization = recentEventLoopUtilization(100);
    spin(150);
    expect(utilization()).toBeGreaterThan(0.8);
    // Idle from here; on a machine busy with other work the loop may need a few samples to show it.
    let idle = 1;
    for (const deadline = Date.now() + 5000; idle >= 0.5 && Date.now() < deadline;) {
      await sleep(150);
      idle = utilization();
    }
    expect(idle).toBeLessThan(0.5);
  });
});
