export const TEST_GATEWAY = {
  clientId: 'merchant-test',
  secret: 'test-shared-secret-0123456789',
  timeZone: 'Asia/Shanghai',
  // Notification retries compressed from minutes to milliseconds.
  notifyRetryMs: [0, 200, 400, 800, 1600, 3200],
} as const;
