"""Demo data: organisations, people, queues and ~60 tickets with their threads.

`load_demo(password)` is what `relaydesk demo` and `relaydesk up --demo` call.
The data lives in `directory_data` and `topics`; `stories` decides what
happens to each ticket, through the actions layer like any other channel.
"""

from relaydesk.demo.directory import DemoDataConflict
from relaydesk.demo.loader import load_demo

__all__ = ["DemoDataConflict", "load_demo"]
