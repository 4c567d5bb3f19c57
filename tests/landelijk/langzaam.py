"""A loader that takes its time, so that a worker can be killed in the middle of a run.

A module of its own: the workers of a real cluster import it (PYTHONPATH), not the tests.
"""

import time

from gebiedsregie.landelijk.tegels import Tegel
from gebiedsregie.landelijk.verdeeld import MemoryLoader
from gebiedsregie.stapeling.compute import Invoer


class SlowLoader(MemoryLoader):
    seconds = 0.1

    def __call__(self, tegel: Tegel) -> list[Invoer]:
        time.sleep(self.seconds)
        return super().__call__(tegel)
