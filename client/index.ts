// The typed clients of the ALIPAY_CN payment service (package export "./client"): the merchant
// HTTP API client and the payment event consumer helper.
export * from './merchant.js';
export * from './events.js';
