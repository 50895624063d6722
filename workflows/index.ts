/** Every workflow the control worker runs (the bundle's entry point). */
export { provisionDpu } from './provision-dpu/provision-dpu';
