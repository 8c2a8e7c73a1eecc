"""Server side of the electronic tax documents: CAF import, folio leasing (``folios``)."""
