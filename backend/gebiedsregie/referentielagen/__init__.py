"""Referentielagen: what is already there (Natura 2000, water, soil): sturende lagen steer
where opgaven can land, informatieve lagen inform."""
