"""The server's side of the electronic tax documents (DTE): CAFs and folio leases, the tenant's emisor data and
certificate, and the signing pipeline that turns each stamped document into a signed DTE in the outbox. Services:
their SQL is in ``syncserver.store``; sending to the SII is ``syncserver.sii`` (docs/architecture.md §4, §5).

    dte/
    ├── card_model.py   the «modelo de emisión» of card sales: read, chosen at HQ, published to the tills
    ├── certification.py      the SII's certification: the test set's cases as signed envelopes, samples, checklist
    ├── certification_set.py  reading the SII's test set file (sets, cases, items, references between cases)
    ├── certs.py        the tenant's signing certificate: checked, encrypted at rest, loaded to sign
    ├── corrections.py  HQ's nota de crédito that annuls a rejected document; how HQ's notas are stored
    ├── emisor.py       the company data and SII resolution every DTE and envelope carries
    ├── folio_hold.py   after a restore: no lease until every till reported its own; lost leases leased back
    ├── folios.py       CAF import (trusted SII keys given by the caller), folio leases per terminal, documents received
    ├── notes.py        HQ's notas de débito on a factura and the nota de crédito that annuls one
    ├── pipeline.py     issued → signed: build each document from its source, sign, validate
    └── rvd.py          the daily sales report (RVD, ConsumoFolios) of each complete past day
"""
