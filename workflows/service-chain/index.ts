export { serviceChain } from './service-chain';
