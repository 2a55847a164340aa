/**
 * `Tanh` for the wasm backend: the stock kernel is a scalar `std::tanh` loop (~25 ms for 1.6 M values); this one runs
 * {@link tanhArray} on the wasm heap. Same function to float32 accuracy, so tfjs's registered Tanh gradient (which
 * uses the output `y`: `dy · (1 − y²)`) stays valid.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { tanhArray } from './fast-tanh.js';
import { wasmUnaryOverride } from './wasm-unary.js';

/** The wasm `Tanh` override. */
export const wasmTanhOverride = wasmUnaryOverride(tf.Tanh, 'Tanh (float32-accurate polynomial)', tanhArray);
