"""Runs a .tflite model N times with TFLite's own runtime (ai-edge-litert, XNNPACK, 1 thread) on
the same fixed input pattern as `bit-exact --invoke` (byte i = i*7+3), for counting executed
instructions per inference under qemu-user (bench/arm/count_instructions.sh).

usage: python3 tflite_invoke.py MODEL N
"""
import sys

import numpy as np
from ai_edge_litert.interpreter import Interpreter


def main():
    model, count = sys.argv[1], int(sys.argv[2])
    interpreter = Interpreter(model_path=model, num_threads=1)
    interpreter.allocate_tensors()
    source = interpreter.get_input_details()[0]
    target = interpreter.get_output_details()[0]
    n = int(np.prod(source["shape"]))
    image = ((np.arange(n, dtype=np.int64) * 7 + 3) & 0xFF).astype(np.uint8).view(np.int8)
    image = image.reshape(source["shape"]).astype(source["dtype"])
    checksum = 0
    for _ in range(count):
        interpreter.set_tensor(source["index"], image)
        interpreter.invoke()
        checksum = (checksum * 31 + int(interpreter.get_tensor(target["index"]).astype(np.int64).sum())) & 0xFFFFFFFF
    print(f"invoked {model} {count} times, output checksum {checksum}")


if __name__ == "__main__":
    main()
