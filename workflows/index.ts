// The workflows the worker registers (its workflowsPath).
export { alipayCnPayment } from './payment.js';
