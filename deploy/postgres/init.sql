-- One database per service that keeps state (search holds only an in-memory read model).
CREATE DATABASE schedule;
CREATE DATABASE pricing;
CREATE DATABASE booking;
