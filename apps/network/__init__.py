"""Master data of the distribution network: DCs, SKUs, regions, customers, carriers, lanes."""
