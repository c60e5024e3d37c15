"""The general assembly, part of the polls feature: the roll (/membres), convocation and session
(/ag), attendance (/present, /depart) and proxies for an assembly (through /procuration).

Parts (lowest first): ``buttons`` (a leaf: the buttons other poll parts show), ``people``
(names, finding a person), ``session`` (quorum, the live session message), ``convene``
(convocation, event, calendar file), then the commands ``roll``, ``attendance``, ``agm``;
``proxies`` is called by /procuration in ``handlers.polls.manage``. The package imports none of
them, so ``handlers.polls.lifecycle`` may show ``buttons`` without a cycle; ``handlers.polls``
includes the commands' routers.
"""

from __future__ import annotations
