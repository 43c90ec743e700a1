import './base.css';
import './datasets.css';
