export const TEST_GATEWAY = {
  clientId: 'merchant-test',
  secret: 'test-shared-secret-0123456789',
  timeZone: 'Asia/Shanghai',
  // Notification retries compressed from minutes to milliseconds.
  notifyRetryMs: [0, 200, 400, 800, 1600, 3200],
} as const;

/** The merchant API key the test service accepts; http() sends it on /v1/payments requests. */
export const TEST_API_KEY = { name: 'test', secret: 'test-api-key-0123456789-abcdefghijklmnop' } as const;
